import { parseArgs } from 'node:util';
import {
  type Account,
  generatePassword,
  isOperatorRole,
  OPERATOR_ROLES,
  type OperatorRole,
} from '@passerelle/accounts';
import type { AdminClient } from './admin-client';

export const ACCOUNT_USAGE = `  account add --username U --name "Display Name" --kind operator --roles ${OPERATOR_ROLES.join(',')}
  account add --username U --name "Display Name" --kind clinician --agency AGENCY_ID --practitioner SYSTEM|VALUE
                                                        a pages account; the password is ACCOUNT_PASSWORD or
                                                        generated and printed once
  account list                                          accounts, roles, agencies, locked or disabled
  account password U                                    a new password (ACCOUNT_PASSWORD or generated); ends its sessions
  account roles U ROLE,ROLE                             an operator's roles; ends its sessions
  account disable U | account enable U | account unlock U
  account oidc U ISSUER|SUB | account oidc U none      bind (or unbind) the OpenID Connect subject that logs in as U`;

export function formatAccount(a: Account): string {
  const who =
    a.kind === 'clinician' ? `${a.agency ?? ''}\t${a.practitioner ?? ''}` : a.roles.join(',') || '-';
  const state = a.disabled ? 'disabled' : a.lockedUntil && a.lockedUntil > new Date() ? 'locked' : 'active';
  return `${a.username}\t${a.kind}\t${who}\t${state}\t${a.displayName}`;
}

function roleList(text: string | undefined): OperatorRole[] {
  const roles = (text ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !isOperatorRole(r));
  if (unknown.length > 0)
    throw new Error(`unknown role(s) ${unknown.join(', ')}: roles are ${OPERATOR_ROLES.join(', ')}`);
  return roles as OperatorRole[];
}

/** `account ...`: through the running hub's admin API, like the agency commands. */
export async function accountCommand(
  args: string[],
  admin: AdminClient,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      username: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string' },
      roles: { type: 'string' },
      agency: { type: 'string' },
      practitioner: { type: 'string' },
    },
  });
  const [action, target, extra] = positionals;
  const path = (u: string) => `/admin/accounts/${encodeURIComponent(u)}`;
  const given = env.ACCOUNT_PASSWORD;
  const password = given ?? generatePassword();
  const printPassword = (username: string) => {
    if (!given)
      console.log(`password for ${username}: ${password}  (shown once; not stored in clear anywhere)`);
  };
  switch (action) {
    case 'add': {
      const { username, name, kind } = values;
      if (!username || !name || (kind !== 'operator' && kind !== 'clinician')) throw new Error(ACCOUNT_USAGE);
      const body =
        kind === 'operator'
          ? { kind, username, displayName: name, password, roles: roleList(values.roles) }
          : {
              kind,
              username,
              displayName: name,
              password,
              agency: values.agency,
              practitioner: values.practitioner,
            };
      const account = await admin.request<Account>('POST', '/admin/accounts', body);
      console.log(formatAccount(account));
      printPassword(account.username);
      return;
    }
    case 'list':
      for (const a of await admin.request<Account[]>('GET', '/admin/accounts')) console.log(formatAccount(a));
      return;
    case 'password': {
      if (!target) throw new Error(ACCOUNT_USAGE);
      console.log(formatAccount(await admin.request<Account>('PATCH', path(target), { password })));
      printPassword(target);
      return;
    }
    case 'roles':
      if (!target) throw new Error(ACCOUNT_USAGE);
      console.log(
        formatAccount(await admin.request<Account>('PATCH', path(target), { roles: roleList(extra) })),
      );
      return;
    case 'disable':
    case 'enable':
      if (!target) throw new Error(ACCOUNT_USAGE);
      console.log(
        formatAccount(
          await admin.request<Account>('PATCH', path(target), { disabled: action === 'disable' }),
        ),
      );
      return;
    case 'oidc':
      if (!target || !extra) throw new Error(ACCOUNT_USAGE);
      console.log(
        formatAccount(
          await admin.request<Account>('PATCH', path(target), {
            oidcSubject: extra === 'none' ? null : extra,
          }),
        ),
      );
      return;
    case 'unlock':
      if (!target) throw new Error(ACCOUNT_USAGE);
      console.log(formatAccount(await admin.request<Account>('PATCH', path(target), { unlock: true })));
      return;
    default:
      throw new Error(ACCOUNT_USAGE);
  }
}
