import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLevel } from '@nestjs/common';
import {
  createPgliteDatabase,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestDatabase,
  type TestHub,
} from '@passerelle/testing';
import request from 'supertest';

const mode = (path: string) => statSync(path).mode & 0o777;
/** Nest's log levels down to `log`, so that what the hub says at start is there to inspect. */
const LOGGING = ['fatal', 'error', 'warn', 'log'] as LogLevel[];

/**
 * Everything the hub logs while `run` runs (its JSON lines, handed the destination to give the hub)
 * and everything else written to the process's standard streams then (passed through).
 */
async function captureOutput<T>(
  run: (logDestination: { write(line: string): void }) => Promise<T>,
): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    return jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return write(chunk);
    });
  });
  try {
    return { result: await run({ write: (line) => chunks.push(line) }), output: chunks.join('') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** The embedded hub's operator credential: the generated file, never the log. */
describe('the operator credential on the embedded hub', () => {
  let db: TestDatabase;
  beforeEach(() => {
    db = createPgliteDatabase();
  });
  afterEach(() => db.drop());

  // ADMIN_TOKEN empty means unset: the hub falls back to DATA_DIR/admin-token.
  const start = (env: Record<string, string> = {}) =>
    startTestHub('pglite', { database: db, env: { ADMIN_TOKEN: '', ...env } });
  const tokenFile = () => join(db.config.kind === 'pglite' ? db.config.dataDir : '', 'admin-token');

  it('is generated into a 0600 file whose path, not content, is logged', async () => {
    const { result: hub, output } = await captureOutput((logDestination) =>
      startTestHub('pglite', { database: db, env: { ADMIN_TOKEN: '' }, logger: LOGGING, logDestination }),
    );
    try {
      const token = readFileSync(tokenFile(), 'utf8').trim();
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(mode(tokenFile())).toBe(0o600);
      expect(output).toContain(`Operator credential generated into ${tokenFile()} (mode 0600)`);
      expect(output).not.toContain(token);
      await request(hub.url).get('/admin/agencies').set('authorization', `Bearer ${token}`).expect(200);
    } finally {
      await hub.close();
    }
  });

  it.each([
    ['an empty', ''],
    ['a blank', '   \n'],
    ['a truncated', 'abcdef0123456789'],
  ])('refuses to start on %s admin-token file, saying what to do', async (_name, content) => {
    mkdirSync(join(tokenFile(), '..'), { recursive: true, mode: 0o700 });
    writeFileSync(tokenFile(), content, { mode: 0o600 });
    await expect(start()).rejects.toThrow(
      new RegExp(`operator credential in ${tokenFile()} must be at least 32 characters.*Delete the file`),
    );
    // Refused before the database was opened.
    expect(() => statSync(join(tokenFile(), '..', 'PG_VERSION'))).toThrow(/ENOENT/);
  });

  it('refuses to start on a short ADMIN_TOKEN', async () => {
    await expect(start({ ADMIN_TOKEN: 'too-short-a-secret' })).rejects.toThrow(
      /ADMIN_TOKEN must be at least 32 characters/,
    );
  });
});

describe('the admin API behind the operator credential', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub('pglite');
  });
  afterAll(() => hub.close());

  it.each(['Bearer ', 'Bearer', 'Bearer    ', 'bearer \t', 'Basic ', ''])(
    'never answers 200 to %j',
    async (authorization) => {
      const res = await request(hub.url).get('/admin/agencies').set('authorization', authorization);
      expect(res.status).toBe(401);
      expect(res.body.resourceType).toBe('OperationOutcome');
    },
  );

  it('answers the right credential', async () => {
    await request(hub.url)
      .get('/admin/agencies')
      .set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
  });
});

/** DATA_DIR and MAILROOM_DIR are the hub's user's alone, checked before anything is opened. */
describe("the hub's files at start", () => {
  let db: TestDatabase;
  let dataDir: string;
  beforeEach(() => {
    db = createPgliteDatabase();
    dataDir = db.config.kind === 'pglite' ? db.config.dataDir : '';
  });
  afterEach(() => db.drop());

  it('narrows directories to 0700 and files to 0600, and logs that it did', async () => {
    const runs = join(dataDir, 'print-runs');
    mkdirSync(runs, { recursive: true });
    writeFileSync(join(dataDir, 'admin-token'), `${'k'.repeat(40)}\n`);
    writeFileSync(join(runs, 'print-run-1-abcd.pdf'), '%PDF-1.7');
    chmodSync(dataDir, 0o755);
    chmodSync(runs, 0o755);
    chmodSync(join(dataDir, 'admin-token'), 0o644);
    chmodSync(join(runs, 'print-run-1-abcd.pdf'), 0o644);
    const { result: hub, output } = await captureOutput((logDestination) =>
      startTestHub('pglite', { database: db, env: { ADMIN_TOKEN: '' }, logger: LOGGING, logDestination }),
    );
    try {
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(runs)).toBe(0o700);
      expect(mode(join(dataDir, 'admin-token'))).toBe(0o600);
      expect(mode(join(runs, 'print-run-1-abcd.pdf'))).toBe(0o600);
      expect(output).toContain(`DATA_DIR ${dataDir}: made 2 directories 0700 and 2 files 0600`);
      await request(hub.url)
        .get('/admin/agencies')
        .set('authorization', `Bearer ${'k'.repeat(40)}`)
        .expect(200);
    } finally {
      await hub.close();
    }
  });

  it('checks a MAILROOM_DIR outside DATA_DIR too', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'passerelle-runs-'));
    chmodSync(runs, 0o755);
    try {
      const hub = await startTestHub('pglite', { database: db, env: { MAILROOM_DIR: runs } });
      await hub.close();
      expect(mode(runs)).toBe(0o700);
    } finally {
      rmSync(runs, { recursive: true, force: true });
    }
  });

  it("refuses to start on another user's files, and opens nothing", async () => {
    const uid = process.getuid?.() ?? 0;
    // As root the test hands the data directory to `nobody`; as another user, root's `/` is foreign.
    const foreign = uid === 0 ? dataDir : '/';
    if (uid === 0) chownSync(dataDir, 65534, 65534);
    const env: Record<string, string> = uid === 0 ? {} : { MAILROOM_DIR: foreign };
    await expect(startTestHub('pglite', { database: db, env })).rejects.toThrow(
      new RegExp(`${foreign} belongs to uid ${uid === 0 ? 65534 : 0}.*chown -R`),
    );
    // Refused before PGlite opened (or created) anything in it.
    expect(statSync(dataDir).isDirectory()).toBe(true);
    expect(() => statSync(join(dataDir, 'PG_VERSION'))).toThrow(/ENOENT/);
  });
});
