import { type DynamicModule, Module } from '@nestjs/common';
import type { HubConfig } from '@passerelle/config';
import {
  AccessTokenService,
  AgencyService,
  type HubSigningKey,
  JtiStore,
  loadSigningKey,
  TokenService,
  TokenUse,
} from '@passerelle/identity';
import { DataSource } from 'typeorm';
import { ACCESS_TOKEN_VERIFIER } from './fhir-auth.guard';
import {
  SMART_CONFIGURATION,
  smartConfiguration,
  SmartConfigurationController,
} from './smart-configuration.controller';
import { TokenController } from './token.controller';

const HUB_SIGNING_KEY = Symbol('HUB_SIGNING_KEY');

/**
 * The token endpoint and the hub's access tokens. AgencyService and DataSource come from
 * CoreModule and StoreModule (both global). The signing key is loaded (or generated and stored)
 * before the services exist, so AccessTokenService.verify is synchronous.
 */
@Module({})
export class AuthModule {
  static forRoot(config: HubConfig): DynamicModule {
    const base = config.http.publicBaseUrl;
    const tolerance = config.auth.clockToleranceSeconds;
    return {
      module: AuthModule,
      // Global: the access guard (AccessModule) needs the verifier.
      global: true,
      controllers: [TokenController, SmartConfigurationController],
      providers: [
        { provide: SMART_CONFIGURATION, useValue: smartConfiguration(base) },
        {
          provide: HUB_SIGNING_KEY,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => loadSigningKey(dataSource, config.auth.tokenSigningKey),
        },
        {
          provide: AccessTokenService,
          inject: [HUB_SIGNING_KEY],
          useFactory: (key: HubSigningKey) =>
            new AccessTokenService(key, {
              issuer: base,
              audience: `${base}/fhir`,
              ttlSeconds: config.auth.accessTokenTtlSeconds,
              clockToleranceSeconds: tolerance,
            }),
        },
        {
          provide: JtiStore,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => new JtiStore(dataSource),
        },
        {
          provide: TokenUse,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => new TokenUse(dataSource),
        },
        {
          provide: TokenService,
          inject: [AgencyService, JtiStore, AccessTokenService, TokenUse],
          useFactory: (
            agencies: AgencyService,
            jtis: JtiStore,
            tokens: AccessTokenService,
            tokenUse: TokenUse,
          ) =>
            new TokenService(agencies, jtis, tokens, {
              tokenUrl: `${base}/auth/token`,
              clockToleranceSeconds: tolerance,
              tokenUse,
            }),
        },
        { provide: ACCESS_TOKEN_VERIFIER, useExisting: AccessTokenService },
      ],
      exports: [AccessTokenService, ACCESS_TOKEN_VERIFIER, TokenUse],
    };
  }
}
