import { createPostgresDatabase, type TestDatabase } from '@passerelle/testing-lib';
import { Client } from 'pg';
import { OUTBOX_CHANNEL } from '../outbox/outbox';
import { OutboxListener } from './outbox-listener';

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('OutboxListener (PostgreSQL LISTEN/NOTIFY)', () => {
  let database: TestDatabase;
  let url: string;
  let admin: Client;

  beforeAll(async () => {
    database = await createPostgresDatabase(1);
    if (database.config.kind !== 'postgres') throw new Error('PostgreSQL expected');
    url = database.config.url;
    admin = new Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await database.drop();
  });

  it('wakes on a committed notification, not on a rolled-back one, and again after losing its connection', async () => {
    const listener = new OutboxListener(url);
    let wakes = 0;
    await listener.start(() => wakes++);
    try {
      expect(wakes).toBe(1); // once connected: whatever was committed before it listened
      await admin.query('BEGIN');
      await admin.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
      await admin.query('ROLLBACK');
      await admin.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
      await until('the committed notification', () => wakes === 2);
      await new Promise((r) => setTimeout(r, 100));
      expect(wakes).toBe(2);

      // The server drops the listener's connection: it reconnects, listens again and wakes.
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE application_name = 'passerelle-outbox-listener' AND datname = current_database()`,
      );
      expect(rows[0].n).toBe(1);
      await until('the wake after reconnecting', () => wakes === 3);
      await admin.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
      await until('a notification on the new connection', () => wakes === 4);
    } finally {
      await listener.close();
    }
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'passerelle-outbox-listener' AND datname = current_database()`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('starts without a reachable database and keeps trying, quietly', async () => {
    const listener = new OutboxListener('postgres://postgres@127.0.0.1:1/nowhere');
    let wakes = 0;
    await listener.start(() => wakes++);
    expect(wakes).toBe(0);
    await listener.close();
  });
});
