import { ConfigError } from './env';
import { loadHubConfig } from './hub-config';

describe('audit checkpoint configuration', () => {
  it('defaults to DATA_DIR/audit-checkpoints every 5 minutes, with no key', () => {
    expect(loadHubConfig({ DATA_DIR: '/var/lib/passerelle' }).auditCheckpoints).toEqual({
      dir: '/var/lib/passerelle/audit-checkpoints',
      intervalMs: 300_000,
    });
    expect(
      loadHubConfig({
        AUDIT_CHECKPOINT_DIR: '/srv/checkpoints',
        AUDIT_CHECKPOINT_KEY_FILE: '/etc/passerelle/checkpoint.pem',
        AUDIT_CHECKPOINT_PUBLIC_KEYS_FILE: '/etc/passerelle/checkpoint.pub',
        AUDIT_CHECKPOINT_INTERVAL_SECONDS: '60',
      }).auditCheckpoints,
    ).toEqual({
      dir: '/srv/checkpoints',
      keyFile: '/etc/passerelle/checkpoint.pem',
      publicKeysFile: '/etc/passerelle/checkpoint.pub',
      intervalMs: 60_000,
    });
  });

  it('refuses two keys, a key that is not PEM and a bad interval, without echoing the key', () => {
    try {
      loadHubConfig({
        AUDIT_CHECKPOINT_KEY: 'not-a-key-secret',
        AUDIT_CHECKPOINT_KEY_FILE: '/etc/k.pem',
        AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
      });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const { problems, message } = e as ConfigError;
      expect(problems).toEqual([
        'Set AUDIT_CHECKPOINT_KEY or AUDIT_CHECKPOINT_KEY_FILE, not both',
        'AUDIT_CHECKPOINT_KEY must be a PEM private key (Ed25519)',
        'AUDIT_CHECKPOINT_INTERVAL_SECONDS must be a whole number from 1 to 86400 (got "0")',
      ]);
      expect(message).not.toContain('secret');
    }
  });
});
