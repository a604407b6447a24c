import { IDENTITY_SCHEMA } from '@passerelle/identity';
import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, insertAgencyRow, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { AccountService } from './account.service';
import { AccountError } from './account.types';
import { ACCOUNTS_SCHEMA } from './schema';
import { SessionStore } from './sessions';

const PASSWORD = 'correct horse battery staple';

describe.each(STORE_KINDS)('accounts and sessions on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  const clock = { now: Date.UTC(2027, 0, 1) };
  const accounts = () =>
    new AccountService(opened.dataSource, {
      now: () => clock.now,
      lockout: { maxFailures: 3, lockMs: 60_000 },
    });
  const sessions = () =>
    new SessionStore(opened.dataSource, { now: () => clock.now, policy: { idleMs: 60_000, maxMs: 300_000 } });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [IDENTITY_SCHEMA, ACCOUNTS_SCHEMA] });
    await insertAgencyRow(opened.dataSource, 'cabinet-a', 'gp', 'Cabinet A');
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it('creates operators and clinicians, and keeps only a scrypt hash of the password', async () => {
    const op = await accounts().create({
      kind: 'operator',
      username: 'Ops.Anne',
      displayName: 'Anne',
      password: PASSWORD,
      roles: ['mailroom', 'admin'],
    });
    expect(op).toMatchObject({
      username: 'ops.anne',
      kind: 'operator',
      roles: ['mailroom', 'admin'],
      agency: null,
    });
    const doc = await accounts().create({
      kind: 'clinician',
      username: 'dr.martin',
      displayName: 'Dr Martin',
      password: PASSWORD,
      agency: 'cabinet-a',
      practitioner: 'https://rpps.esante.gouv.fr|10101010101',
    });
    expect(doc).toMatchObject({ kind: 'clinician', agency: 'cabinet-a', roles: [] });
    const [stored] = await opened.dataSource.query<{ password_hash: string }[]>(
      `SELECT password_hash FROM account WHERE username = 'ops.anne'`,
    );
    expect(stored.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored.password_hash).not.toContain(PASSWORD);
  });

  it('refuses a taken username, a short password, an unknown agency and an unknown role', async () => {
    const base = { displayName: 'X', password: PASSWORD };
    await expect(
      accounts().create({ ...base, kind: 'operator', username: 'OPS.ANNE', roles: [] }),
    ).rejects.toMatchObject({
      code: 'exists',
    });
    await expect(
      accounts().create({ ...base, kind: 'operator', username: 'short', password: 'too short', roles: [] }),
    ).rejects.toThrow(/12 characters/);
    await expect(
      accounts().create({
        ...base,
        kind: 'clinician',
        username: 'dr.x',
        agency: 'nowhere',
        practitioner: 'p',
      }),
    ).rejects.toThrow(AccountError);
    // The database refuses a role the code would not have let through.
    await expect(
      opened.dataSource.query(
        `INSERT INTO account (id, username, display_name, password_hash, kind, roles) VALUES ('r', 'rooted', 'R', 'h', 'operator', '{root}')`,
      ),
    ).rejects.toThrow();
  });

  it('logs in with the right password only, and locks after repeated failures', async () => {
    expect(await accounts().login('dr.martin', PASSWORD)).toMatchObject({ ok: true });
    expect(await accounts().login('dr.martin', 'wrong password!!')).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
    expect(await accounts().login('nobody', PASSWORD)).toEqual({ ok: false, reason: 'invalid' });
    expect(await accounts().login('dr.martin', 'wrong password!!')).toMatchObject({ reason: 'invalid' });
    expect(await accounts().login('dr.martin', 'wrong password!!')).toMatchObject({ reason: 'locked' });
    // Locked: even the right password is refused until the lock ends.
    expect(await accounts().login('dr.martin', PASSWORD)).toMatchObject({ ok: false, reason: 'locked' });
    clock.now += 61_000;
    expect(await accounts().login('dr.martin', PASSWORD)).toMatchObject({ ok: true });
    await accounts().setDisabled('dr.martin', true);
    expect(await accounts().login('dr.martin', PASSWORD)).toMatchObject({ ok: false, reason: 'invalid' });
    await accounts().setDisabled('dr.martin', false);
  });

  it('keeps sessions by their hash, ends them when idle, past their maximum, on logout and when disabled', async () => {
    const anne = await accounts().find('ops.anne');
    const opened1 = await sessions().open(anne!.id);
    const [row] = await opened.dataSource.query<{ id: string }[]>(`SELECT id FROM web_session`);
    expect(row.id).not.toBe(opened1.token);
    expect(await sessions().find(opened1.token)).toMatchObject({
      account: { username: 'ops.anne' },
      csrfToken: opened1.csrfToken,
    });
    expect(await sessions().find('not-a-session')).toBeUndefined();
    // Used within the idle time, again and again: alive until its maximum age.
    for (let i = 0; i < 4; i++) {
      clock.now += 50_000;
      expect(await sessions().find(opened1.token)).toBeDefined();
    }
    clock.now += 120_000;
    expect(await sessions().find(opened1.token)).toBeUndefined();

    const idle = await sessions().open(anne!.id);
    clock.now += 61_000;
    expect(await sessions().find(idle.token)).toBeUndefined();

    const out = await sessions().open(anne!.id);
    await sessions().close(out.token);
    expect(await sessions().find(out.token)).toBeUndefined();

    const live = await sessions().open(anne!.id);
    await accounts().setDisabled('ops.anne', true);
    expect(await sessions().find(live.token)).toBeUndefined();
    await accounts().setDisabled('ops.anne', false);
    // The two that expired are purged; the live one stays until its account's sessions all end.
    expect(await sessions().purge()).toBe(2);
    expect(await sessions().find(live.token)).toBeDefined();
    await sessions().closeAll(anne!.id);
    expect(await opened.dataSource.query(`SELECT id FROM web_session`)).toEqual([]);
  });

  it('changes passwords and roles', async () => {
    await accounts().setPassword('ops.anne', 'another long passphrase');
    expect(await accounts().login('ops.anne', PASSWORD)).toMatchObject({ ok: false });
    expect(await accounts().login('ops.anne', 'another long passphrase')).toMatchObject({ ok: true });
    expect((await accounts().setRoles('ops.anne', ['identity-review'])).roles).toEqual(['identity-review']);
    await expect(accounts().setRoles('dr.martin', ['admin'])).rejects.toThrow(/only an operator/);
    expect((await accounts().list()).map((a) => a.username)).toEqual(['dr.martin', 'ops.anne']);
  });

  it('binds an OpenID Connect subject to one enabled account at a time', async () => {
    const subject = 'https://idp.example|abc-123';
    expect((await accounts().setOidcSubject('dr.martin', subject)).oidcSubject).toBe(subject);
    expect((await accounts().findByOidcSubject(subject))?.username).toBe('dr.martin');
    await expect(accounts().setOidcSubject('ops.anne', subject)).rejects.toMatchObject({ code: 'exists' });
    await expect(accounts().setOidcSubject('ops.anne', 'not a subject')).rejects.toMatchObject({
      code: 'invalid',
    });
    await accounts().setDisabled('dr.martin', true);
    expect(await accounts().findByOidcSubject(subject)).toBeUndefined();
    await accounts().setDisabled('dr.martin', false);
    await accounts().setOidcSubject('dr.martin', null);
    expect(await accounts().findByOidcSubject(subject)).toBeUndefined();
  });
});
