import { Body, Controller, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import {
  type Account,
  AccountError,
  AccountService,
  isOperatorRole,
  type NewAccount,
  OPERATOR_ROLES,
  type OperatorRole,
  SessionStore,
} from '@passerelle/accounts';
import { badRequest, notFound, OperationOutcomeError, outcome } from '@passerelle/fhir';
import { AdminAuthGuard } from '../auth/admin-auth.guard';

export class CreateAccountDto {
  @ApiProperty({ enum: ['operator', 'clinician'] })
  kind!: 'operator' | 'clinician';
  @ApiProperty({ example: 'dr.martin' })
  username!: string;
  @ApiProperty({ example: 'Dr Claire Martin' })
  displayName!: string;
  @ApiProperty({ description: 'At least 12 characters; stored as a scrypt hash' })
  password!: string;
  @ApiPropertyOptional({ enum: OPERATOR_ROLES, isArray: true, description: 'An operator’s roles' })
  roles?: OperatorRole[];
  @ApiPropertyOptional({ example: 'cabinet-a', description: 'A clinician’s agency' })
  agency?: string;
  @ApiPropertyOptional({
    example: 'https://rpps.esante.gouv.fr|10101010101',
    description: 'A clinician’s practitioner identifier',
  })
  practitioner?: string;
}

export class UpdateAccountDto {
  @ApiPropertyOptional()
  password?: string;
  @ApiPropertyOptional({ enum: OPERATOR_ROLES, isArray: true })
  roles?: OperatorRole[];
  @ApiPropertyOptional()
  disabled?: boolean;
  @ApiPropertyOptional({ description: 'true: lift a lockout after failed logins' })
  unlock?: boolean;
  @ApiPropertyOptional({
    description: 'OpenID Connect login: the provider’s `issuer|sub` for this person; null unbinds',
    example: 'https://auth.esante.gouv.fr/auth/realms/esante-wallet|f:550dc1c8:10101010101',
  })
  oidcSubject?: string | null;
}

const str = (v: unknown, name: string): string => {
  if (typeof v !== 'string') throw badRequest(`${name} is required and must be text`);
  return v;
};

function roles(v: unknown): OperatorRole[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((r): r is OperatorRole => typeof r === 'string' && isOperatorRole(r)))
    throw badRequest(`roles must be a list of ${OPERATOR_ROLES.join(', ')}`);
  return v;
}

function mapped(e: unknown): unknown {
  if (!(e instanceof AccountError)) return e;
  switch (e.code) {
    case 'invalid':
      return badRequest(e.message);
    case 'exists':
      return new OperationOutcomeError(409, outcome('error', 'duplicate', e.message));
    case 'not-found':
      return notFound(e.message);
  }
}

/**
 * Operators manage the pages' accounts (the CLI's `account` commands call this). A password is
 * never returned; a new password, a role change or disabling ends the account's sessions.
 */
@ApiTags('accounts')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/accounts')
export class AccountsController {
  constructor(
    private readonly accounts: AccountService,
    private readonly sessions: SessionStore,
  ) {}

  @Post()
  @ApiCreatedResponse()
  async create(@Body() body: CreateAccountDto): Promise<Account> {
    const b = (body ?? {}) as unknown as Record<string, unknown>;
    const common = {
      username: str(b.username, 'username'),
      displayName: str(b.displayName, 'displayName'),
      password: str(b.password, 'password'),
    };
    const input: NewAccount =
      b.kind === 'clinician'
        ? {
            ...common,
            kind: 'clinician',
            agency: str(b.agency, 'agency'),
            practitioner: str(b.practitioner, 'practitioner'),
          }
        : b.kind === 'operator'
          ? { ...common, kind: 'operator', roles: roles(b.roles) }
          : (() => {
              throw badRequest('kind must be operator or clinician');
            })();
    try {
      return await this.accounts.create(input);
    } catch (e) {
      throw mapped(e);
    }
  }

  @Get()
  @ApiOkResponse()
  list(): Promise<Account[]> {
    return this.accounts.list();
  }

  @Patch(':username')
  @HttpCode(200)
  @ApiOkResponse()
  async update(@Param('username') username: string, @Body() body: UpdateAccountDto): Promise<Account> {
    const b = (body ?? {}) as unknown as Record<string, unknown>;
    try {
      let account = await this.accounts.find(username);
      if (!account) throw new AccountError('not-found', `no account ${username}`);
      let endSessions = false;
      if (b.password !== undefined) {
        account = await this.accounts.setPassword(username, str(b.password, 'password'));
        endSessions = true;
      }
      if (b.roles !== undefined) {
        account = await this.accounts.setRoles(username, roles(b.roles));
        endSessions = true;
      }
      if (b.disabled !== undefined) {
        if (typeof b.disabled !== 'boolean') throw badRequest('disabled must be true or false');
        account = await this.accounts.setDisabled(username, b.disabled);
        endSessions ||= b.disabled;
      }
      if (b.unlock === true) account = await this.accounts.unlock(username);
      if (b.oidcSubject !== undefined) {
        if (b.oidcSubject !== null && typeof b.oidcSubject !== 'string')
          throw badRequest('oidcSubject must be issuer|sub or null');
        account = await this.accounts.setOidcSubject(username, b.oidcSubject);
        endSessions = true;
      }
      if (endSessions) await this.sessions.closeAll(account.id);
      return account;
    } catch (e) {
      throw mapped(e);
    }
  }
}
