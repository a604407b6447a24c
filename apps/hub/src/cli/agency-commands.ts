import { parseArgs } from 'node:util';
import { type Agency, AGENCY_KINDS, type AgencyKind } from '@passerelle/identity';
import { AdminClient } from './admin-client';
import { generateAgencyKey, KEY_TO_STDOUT } from './keys';
import { UsageError } from './usage';

function show(agency: Agency): string {
  return `${agency.id}\t${agency.kind}\t${agency.status}\t${agency.scopes.join(' ')}\t${agency.name}`;
}

export async function agencyCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      kind: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      identifier: { type: 'string', multiple: true },
      country: { type: 'string' },
      alg: { type: 'string', default: 'ES384' },
      'key-out': { type: 'string' },
      'keep-old': { type: 'boolean', default: false },
    },
  });
  const [action, target] = positionals;
  const admin = AdminClient.fromEnv(process.env);
  const alg = values.alg === 'RS384' ? 'RS384' : 'ES384';
  switch (action) {
    case 'add': {
      const { id, kind, name, scopes } = values;
      if (!id || !kind || !name || !scopes || !(AGENCY_KINDS as readonly string[]).includes(kind))
        throw new UsageError();
      const keyFile = values['key-out'] ?? `./${id}.private-key.pem`;
      const jwk = generateAgencyKey(alg, keyFile);
      const agency = await admin.request<Agency>('POST', '/admin/agencies', {
        id,
        kind: kind as AgencyKind,
        name,
        jwks: { keys: [jwk] },
        scopes: scopes.split(/\s+/).filter(Boolean),
        identifiers: (values.identifier ?? []).map((pair) => {
          const at = pair.lastIndexOf('|');
          return { system: pair.slice(0, at), value: pair.slice(at + 1) };
        }),
        ...(values.country ? { country: values.country } : {}),
      });
      // With the key on standard output, the report goes to standard error.
      const report = keyFile === KEY_TO_STDOUT ? console.error : console.log;
      report(
        `${show(agency)}\nclient id: ${agency.id}\nkid: ${jwk.kid} (${alg})\nprivate key: ${keyFile === KEY_TO_STDOUT ? 'standard output' : `${keyFile} (mode 0600)`}; the hub never sees it`,
      );
      return;
    }
    case 'list':
      for (const agency of await admin.request<Agency[]>('GET', '/admin/agencies')) console.log(show(agency));
      return;
    case 'suspend':
    case 'activate': {
      if (!target) throw new UsageError();
      const status = action === 'suspend' ? 'suspended' : 'active';
      console.log(
        show(
          await admin.request<Agency>('PATCH', `/admin/agencies/${encodeURIComponent(target)}`, { status }),
        ),
      );
      return;
    }
    case 'rotate': {
      if (!target) throw new UsageError();
      const current = await admin.request<Agency>('GET', `/admin/agencies/${encodeURIComponent(target)}`);
      const keyFile = values['key-out'] ?? `./${target}.private-key.${Date.now()}.pem`;
      const jwk = generateAgencyKey(alg, keyFile);
      const keys = values['keep-old'] ? [...current.jwks.keys, jwk] : [jwk];
      await admin.request<Agency>('PATCH', `/admin/agencies/${encodeURIComponent(target)}`, {
        jwks: { keys },
      });
      console.log(
        `rotated ${target}: new kid ${jwk.kid}, private key ${keyFile}; ${keys.length} key(s) registered`,
      );
      return;
    }
    default:
      throw new UsageError();
  }
}
