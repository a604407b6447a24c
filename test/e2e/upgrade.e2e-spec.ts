import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Bundle, Patient } from 'fhir/r4';
import { type Schema, STORE_SCHEMA } from '@passerelle/store';
import {
  createPostgresDatabase,
  registerAgency,
  startTestHub,
  type TestDatabase,
  type TestHub,
} from '@passerelle/testing';
import { DataSource } from 'typeorm';
import { HUB_SCHEMAS } from '../../apps/hub/src/hub-schemas';

/**
 * An upgrade from the previous release: the database is made by that release's migrations (the
 * migration files of its commit, checked byte for byte against today's, since a migration is
 * never edited), data is written into its schema, then today's hub starts on it, runs the
 * migrations added since (SearchValues re-indexes every stored resource) and serves the data:
 * read, and found by the search parameters the new migration indexes.
 */
const ROOT = join(__dirname, '..', '..');
/** The commit before SearchValues1765500000001: the previous release's schema. */
const PREVIOUS_RELEASE = 'de9adc02b606f31b42e92e8b044860b7e9f5c56a';

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
}

/** The previous release's migration classes (by TypeORM name), after checking their files are unchanged. */
function previousMigrations(): Schema['migrations'] {
  const files = git('ls-tree', '-r', '--name-only', PREVIOUS_RELEASE, '--', 'libs')
    .split('\n')
    .filter((path) => /\/migrations\/\d{13}-[A-Za-z]+\.ts$/.test(path));
  expect(files.length).toBeGreaterThan(10);
  // Today's file of each: a lib may have moved it (the mailroom's left libs/letters), never edited it.
  const today = new Map(
    git('ls-files', '--', 'libs')
      .split('\n')
      .filter((path) => /\/migrations\/\d{13}-[A-Za-z]+\.ts$/.test(path))
      .map((path) => [basename(path), path]),
  );
  for (const path of files)
    expect({
      path,
      unchanged:
        git('show', `${PREVIOUS_RELEASE}:${path}`) ===
        readFileSync(join(ROOT, today.get(basename(path)) ?? path), 'utf8'),
    }).toEqual({
      path,
      unchanged: true,
    });
  const names = new Set(
    files.map((path) => {
      const [, timestamp, name] = /(\d{13})-([A-Za-z]+)\.ts$/.exec(path) ?? [];
      return `${name}${timestamp}`;
    }),
  );
  const all = [STORE_SCHEMA, ...HUB_SCHEMAS].flatMap((s) => s.migrations);
  const previous = all.filter((m) => names.has(m.name));
  expect(previous).toHaveLength(names.size);
  expect(all.length).toBeGreaterThan(previous.length);
  return previous;
}

describe('upgrading a database made by the previous release', () => {
  let db: TestDatabase;
  let hub: TestHub | undefined;

  beforeAll(async () => {
    db = await createPostgresDatabase(4);
  });
  afterAll(async () => {
    await hub?.close();
    await db.drop();
  });

  it("keeps the previous release's data and serves it with today's search", async () => {
    if (db.config.kind !== 'postgres') throw new Error('postgres only');
    const old = new DataSource({ type: 'postgres', url: db.config.url, migrations: previousMigrations() });
    await old.initialize();
    try {
      await old.runMigrations({ transaction: 'all' });
      expect(await old.query(`SELECT to_regclass('search_value') AS t`)).toEqual([{ t: null }]);
      // A Patient as the previous release stored it: current row, its version, its tokens.
      const patient: Patient = {
        resourceType: 'Patient',
        id: 'upgraded-1',
        meta: { versionId: '1', lastUpdated: '2026-11-01T10:00:00.000Z', source: 'upgrade-hospital' },
        identifier: [{ system: 'urn:oid:1.2.250.1.71.4.2.7', value: 'UPG-0001' }],
        name: [{ family: 'Avantmigration', given: ['Odile'] }],
        gender: 'female',
        birthDate: '1961-04-30',
      };
      const values = [
        'Patient',
        'upgraded-1',
        JSON.stringify(patient),
        ['identifier|urn:oid:1.2.250.1.71.4.2.7|UPG-0001', 'gender|female'],
      ];
      await old.query(
        `INSERT INTO resource (resource_type, id, version_id, last_updated, content, patient_id, source_agency, tokens)
         VALUES ($1, $2, 1, '2026-11-01T10:00:00Z', $3::jsonb, $2, 'upgrade-hospital', $4)`,
        values,
      );
      await old.query(
        `INSERT INTO resource_version (resource_type, id, version_id, last_updated, content, source_agency, method, patient_id)
         VALUES ($1, $2, 1, '2026-11-01T10:00:00Z', $3::jsonb, 'upgrade-hospital', 'create', $2)`,
        values.slice(0, 3),
      );
    } finally {
      await old.destroy();
    }

    // Today's hub on it: the migrations added since run at start.
    hub = await startTestHub('postgres', { database: db });
    const ds = hub.app.get(DataSource);
    const applied = await ds.query<{ name: string }[]>('SELECT name FROM migrations');
    expect(applied.map((m) => m.name)).toContain('SearchValues1765500000001');
    expect(await ds.query(`SELECT count(*)::int AS n FROM search_value WHERE id = 'upgraded-1'`)).not.toEqual(
      [{ n: 0 }],
    );

    const agency = await registerAgency(hub, { id: 'upgrade-hospital', kind: 'hospital' });
    const token = await agency.token();
    const get = async (path: string) => {
      const res = await fetch(`${hub?.fhir}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return await res.json();
    };
    expect((await get('/Patient/upgraded-1')) as Patient).toMatchObject({
      name: [{ family: 'Avantmigration' }],
    });
    // String and date parameters: indexed only by the new migration, from the stored content.
    for (const query of ['family=avantmig', 'birthdate=1961-04-30', 'given=Odile', 'identifier=UPG-0001']) {
      const found = (await get(`/Patient?${query}`)) as Bundle;
      expect({ query, ids: found.entry?.map((e) => e.resource?.id) }).toEqual({ query, ids: ['upgraded-1'] });
    }
  });
});
