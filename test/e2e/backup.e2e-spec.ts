import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Processes, TEST_CHECKPOINT_KEY } from '@passerelle/testing';

/**
 * `npm run cli -- backup` and `restore` on the embedded default, as an operator runs them: a hub
 * with data, stopped; a backup; a restore into a new directory; a hub started on it has the data.
 */
const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'main.js');

describe('backup and restore of the embedded database', () => {
  const processes = new Processes();
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'backup-e2e-'));
  });
  afterAll(async () => {
    await processes.stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[], env: Record<string, string>) => {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const hubEnv = (dataDir: string) => ({
    DATA_DIR: dataDir,
    AUDIT_CHECKPOINT_KEY: TEST_CHECKPOINT_KEY,
    AUDIT_CHECKPOINT_DIR: join(dataDir, 'audit-checkpoints'),
    MAILROOM_DIR: join(dir, 'print-runs'),
  });

  it('copies DATA_DIR consistently, and a hub started on the restored copy has the data', async () => {
    const original = join(dir, 'original');
    const hub = await processes.app('hub', { name: 'hub-original', env: hubEnv(original) });
    const cliEnv = { DATA_DIR: original, HUB_URL: hub.url };
    const added = cli(
      [
        'agency',
        'add',
        '--id',
        'backup-gp',
        '--kind',
        'gp',
        '--name',
        'Backup GP',
        '--scopes',
        'system/*.rs',
      ],
      cliEnv,
    );
    expect(added).toMatchObject({ code: 0 });
    const archive = join(dir, 'hub-backup.tar.gz');

    // A running hub holds the directory: the backup refuses (3: unreachable), changing nothing.
    const refused = cli(['backup', '--out', archive], { DATA_DIR: original });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/in use by process \d+/);

    await hub.kill('SIGTERM');
    const done = cli(['backup', '--out', archive], { DATA_DIR: original });
    expect(done).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Backed up .* \(\d+ bytes, mode 0600\)/),
    });
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    // Never over another file.
    expect(cli(['backup', '--out', archive], { DATA_DIR: original }).code).toBe(1);

    const restored = join(dir, 'restored');
    expect(cli(['restore', '--from', archive], { DATA_DIR: restored })).toMatchObject({ code: 0 });
    // Not into a directory that holds something.
    expect(cli(['restore', '--from', archive], { DATA_DIR: restored }).stderr).toMatch(/is not empty/);

    // The operator credential came along, so the CLI finds it in the restored DATA_DIR.
    expect(readFileSync(join(restored, 'admin-token'), 'utf8')).toBe(
      readFileSync(join(original, 'admin-token'), 'utf8'),
    );
    const again = await processes.app('hub', { name: 'hub-restored', env: hubEnv(restored) });
    const list = cli(['agency', 'list'], { DATA_DIR: restored, HUB_URL: again.url });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^backup-gp\tgp\tactive\tsystem\/\*\.rs\tBackup GP$/m);
    await again.kill('SIGTERM');
  });

  it('sends PostgreSQL deployments to pg_dump', () => {
    const r = cli(['backup', '--out', join(dir, 'x')], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/use pg_dump/);
  });
});
