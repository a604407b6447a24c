import { Module } from '@nestjs/common';
import { HUB_CONFIG, type HubConfig } from '@passerelle/config';
import { AUDIT_CHECKPOINT_SOURCE, checkpointSource } from '../audit/checkpoint-keys';
import { FhirModule } from '../fhir/fhir.module';
import { SummaryModule } from '../summary/summary.module';
import { AccountsPageController } from './accounts-page.controller';
import { ClinicianAccess } from './clinician-access';
import { ClinicianController } from './clinician.controller';
import { HomeController } from './home.controller';
import { IdentityPageController } from './identity-page.controller';
import { LoginAudit } from './login-audit';
import { LoginController } from './login.controller';
import { MailroomLetterController } from './mailroom-letter.controller';
import { MailroomPageController } from './mailroom-page.controller';
import { OidcController } from './oidc.controller';
import { OidcLogin } from './oidc-login';
import { OperatorPageController } from './operator-page.controller';
import { WebPages } from './web-pages';

/**
 * The hub's pages (HTML, server-rendered from libs/web's views): home, login, the clinician's
 * page, the mailroom's page, identity review, the operator's overview. Thin: sessions and accounts come from libs/accounts, patient data from the FHIR API's
 * own consent-scoped services.
 */
@Module({
  imports: [FhirModule, SummaryModule],
  controllers: [
    HomeController,
    LoginController,
    OidcController,
    ClinicianController,
    MailroomPageController,
    MailroomLetterController,
    IdentityPageController,
    OperatorPageController,
    AccountsPageController,
  ],
  providers: [
    WebPages,
    LoginAudit,
    ClinicianAccess,
    OidcLogin,
    // The operator overview verifies the audit chain against the same checkpoints as /admin/audit/verify.
    {
      provide: AUDIT_CHECKPOINT_SOURCE,
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) => () => checkpointSource(config),
    },
  ],
})
export class WebModule {}
