import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIdOf } from '@passerelle/audit';
import { loadHubConfig } from '@passerelle/config';
import { resolveCheckpointPublicKeys, resolveCheckpointSigningKey } from './checkpoint-keys';

const pem = (type: 'ed25519' | 'ec') =>
  type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');

describe('audit checkpoint keys', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'passerelle-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start on PostgreSQL without a configured key, saying what to do', () => {
    const config = loadHubConfig({ DATABASE_URL: 'postgres://u@db/hub', DATA_DIR: dir });
    expect(() => resolveCheckpointSigningKey(config)).toThrow(
      /AUDIT_CHECKPOINT_KEY_FILE .* is required when DATABASE_URL is set: `openssl genpkey -algorithm ed25519/,
    );
    expect(resolveCheckpointPublicKeys(config)).toEqual([]);
  });

  it('takes the key from the environment or a file, and only an Ed25519 one', () => {
    const { privateKey, publicKey } = pem('ed25519');
    const text = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const fromEnv = loadHubConfig({ DATABASE_URL: 'postgres://u@db/hub', AUDIT_CHECKPOINT_KEY: text });
    expect(keyIdOf(resolveCheckpointSigningKey(fromEnv).key)).toBe(keyIdOf(publicKey));
    const file = join(dir, 'k.pem');
    writeFileSync(file, text, { mode: 0o600 });
    const fromFile = loadHubConfig({ DATABASE_URL: 'postgres://u@db/hub', AUDIT_CHECKPOINT_KEY_FILE: file });
    expect(resolveCheckpointSigningKey(fromFile).generated).toBeUndefined();
    expect(resolveCheckpointPublicKeys(fromFile).map(keyIdOf)).toEqual([keyIdOf(publicKey)]);

    const ec = pem('ec').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => resolveCheckpointSigningKey(loadHubConfig({ AUDIT_CHECKPOINT_KEY: ec }))).toThrow(
      'AUDIT_CHECKPOINT_KEY must be an Ed25519 private key',
    );
    const missing = loadHubConfig({ AUDIT_CHECKPOINT_KEY_FILE: join(dir, 'none.pem') });
    expect(() => resolveCheckpointSigningKey(missing)).toThrow(/cannot read .*none\.pem \(ENOENT\)/);
  });

  it('verifies with every key of the public keys file: the current one and retired ones', () => {
    const current = pem('ed25519').publicKey;
    const retired = pem('ed25519').publicKey;
    const file = join(dir, 'public.pem');
    writeFileSync(file, [current, retired].map((k) => k.export({ type: 'spki', format: 'pem' })).join('\n'));
    const config = loadHubConfig({ DATA_DIR: dir, AUDIT_CHECKPOINT_PUBLIC_KEYS_FILE: file });
    expect(resolveCheckpointPublicKeys(config).map(keyIdOf)).toEqual([keyIdOf(current), keyIdOf(retired)]);
    writeFileSync(file, 'no key here');
    expect(() => resolveCheckpointPublicKeys(config)).toThrow(
      'AUDIT_CHECKPOINT_PUBLIC_KEYS_FILE holds no PEM public key',
    );
  });
});
