import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  builtApp,
  createPostgresDatabase,
  TEST_CHECKPOINT_KEY,
  type TestDatabase,
} from '@passerelle/testing';
import { Client } from 'pg';

/**
 * Every command an operator runs, as a process from the build: `--help` exits 0 with a usage,
 * bad usage exits 2, and the documented exit codes hold (3: database unreachable, 5: database
 * migrated by a newer release).
 */
const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'apps', 'hub', 'src', 'cli', 'main.js');

function run(file: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [file, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('--help on every command', () => {
  it.each(['hub', 'worker', 'connector', 'sandbox'] as const)('%s --help exits 0 with its usage', (app) => {
    // No environment at all: --help must not need a valid configuration.
    const { code, stdout } = run(builtApp(app), ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^usage: node dist/apps/${app}/src/main\\.js`));
    expect(stdout).toContain('Exit codes: 0');
  });

  it.each([['--help'], ['-h'], ['help'], ['agency', '--help'], ['audit', 'verify', '--help']])(
    'cli %s exits 0 with the usage',
    (...args) => {
      const { code, stdout } = run(CLI, args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^usage: npm run cli -- <command>/);
      expect(stdout).toContain('backup');
    },
  );

  it.each([
    [[]],
    [['nonsense']],
    [['agency', 'add']],
    [['migrate', 'sideways']],
    [['audit', 'verify', '--bogus']],
  ])('cli %j is bad usage: exit 2, the usage on standard error', (args) => {
    const { code, stderr } = run(CLI, args, {
      DATA_DIR: join(ROOT, 'dist', 'no-such-data'),
      ADMIN_TOKEN: 'x'.repeat(32),
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: npm run cli -- <command>|Unknown option/);
  });
});

describe('exit codes of the database checks', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createPostgresDatabase(2);
    dir = mkdtempSync(join(tmpdir(), 'commands-e2e-'));
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('audit verify exits 3 when the database cannot be reached', () => {
    const { code, stderr } = run(CLI, ['audit', 'verify'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    });
    expect(code).toBe(3);
    expect(stderr).toMatch(/^Database unreachable, nothing verified/);
  });

  it('the hub exits 5 on a database a newer release migrated, saying what to do; and 3 when unreachable', async () => {
    if (db.config.kind !== 'postgres') throw new Error('postgres only');
    const url = db.config.url;
    expect(run(CLI, ['migrate', 'run'], { DATABASE_URL: url }).code).toBe(0);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO migrations (timestamp, name) VALUES (9999999999999, 'FromTheFuture9999999999999')`,
      );
    } finally {
      await client.end();
    }
    const env = {
      DATABASE_URL: url,
      PORT: '0',
      ADMIN_TOKEN: 'commands-test-admin-token-0123456789abcdef',
      AUDIT_CHECKPOINT_KEY: TEST_CHECKPOINT_KEY,
      AUDIT_CHECKPOINT_DIR: join(dir, 'checkpoints'),
      MAILROOM_DIR: join(dir, 'print-runs'),
    };
    const hub = run(builtApp('hub'), [], env);
    expect({ code: hub.code, stderr: hub.stderr }).toEqual({
      code: 5,
      stderr: expect.stringContaining('The database was upgraded by a newer release of Passerelle') as string,
    });
    expect(hub.stderr).toContain('FromTheFuture9999999999999');
    expect(run(CLI, ['migrate', 'run'], { DATABASE_URL: url }).code).toBe(5);
    const unreachable = run(builtApp('hub'), [], {
      ...env,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    });
    expect(unreachable.code).toBe(3);
  });
});
