import type { Patient } from 'fhir/r4';
import { getFhirSchemaValidator, type QueryParams } from '@passerelle/fhir';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { openDatabase, type OpenDatabase } from './data-source';
import { FhirRepository } from './fhir-repository';
import { ALL_VISIBLE, type Visibility } from './paging';
import { type Actor, parseStored, type StoredResource } from './types';

const actor: Actor = { agency: 'hospital-1', requestId: 'test' };
const MRN = 'https://hospital.example.org/sort';

/** Patients named and born so that `family` and `birthdate` tie, and some have neither. */
const PEOPLE: [string, string | undefined, string | undefined][] = [
  ['s1', 'Bernard', '1980-01-01'],
  ['s2', 'Arnaud', '1990-05-05'],
  ['s3', 'Arnaud', '1990-05-05'],
  ['s4', 'Arnaud', '1970-02-02'],
  ['s5', 'Dupont', '1985-03-03'],
  ['s6', undefined, '1960-06-06'],
  ['s7', 'Claude', undefined],
  ['s8', 'Arnaud', '1990-05-05'],
  ['s9', undefined, undefined],
];

describe.each(STORE_KINDS)('search results on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  const idOf = new Map<string, string>();

  const create = async (mrn: string, family?: string, birthDate?: string) => {
    const patient: Patient = {
      resourceType: 'Patient',
      identifier: [{ system: MRN, value: mrn }],
      ...(family && { name: [{ family }] }),
      ...(birthDate && { birthDate }),
    };
    const { stored } = await repo.create(actor, 'Patient', patient);
    idOf.set(stored.id, mrn);
  };
  const mrnOf = (s: StoredResource) => idOf.get(s.id) ?? s.id;

  /** Every page of a search, following the next tokens; `between` runs after the first page. */
  async function allPages(
    params: QueryParams,
    visible: Visibility<StoredResource> = ALL_VISIBLE,
    between?: () => Promise<void>,
  ): Promise<string[]> {
    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 20; i++) {
      const query = repo.parseQuery('Patient', { identifier: `${MRN}|`, ...params }, true);
      const page = await repo.search({ actor, visible }, { ...query, pageToken: token });
      seen.push(...page.entries.map((e) => mrnOf(e.stored)));
      token = page.nextPageToken;
      if (i === 0) await between?.();
      if (!token) return seen;
    }
    throw new Error('too many pages');
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
    repo = new FhirRepository(opened.dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
    });
    for (const [mrn, family, birthDate] of PEOPLE) await create(mrn, family, birthDate);
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it('_sort by several keys, descending, ties in creation order, those without a value last', async () => {
    const expected = ['s4', 's2', 's3', 's8', 's1', 's7', 's5', 's6', 's9'];
    expect(await allPages({ _sort: 'family,birthdate', _count: '100' })).toEqual(expected);
    // Across pages of two, ties broken the same way on every page.
    expect(await allPages({ _sort: 'family,birthdate', _count: '2' })).toEqual(expected);
    expect(await allPages({ _sort: '-birthdate,family', _count: '3' })).toEqual([
      's2',
      's3',
      's8',
      's5',
      's1',
      's4',
      's6',
      's7',
      's9',
    ]);
    expect(await allPages({ _sort: '-family,-_id', _count: '4' })).toEqual([
      's5',
      's7',
      's1',
      ...['s2', 's3', 's4', 's8'].sort((a, b) => idCompare(b, a)),
      ...['s6', 's9'].sort((a, b) => idCompare(b, a)),
    ]);
  });

  function idCompare(a: string, b: string): number {
    const id = (mrn: string) => [...idOf].find(([, m]) => m === mrn)?.[0] ?? '';
    return id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0;
  }

  it('pages by position: a match added before the page read so far neither repeats nor shifts one', async () => {
    const pages = await allPages({ _sort: 'family', _count: '2' }, ALL_VISIBLE, () =>
      create('late', 'Aaron', '2000-01-01'),
    );
    // 'Aaron' sorts before the first page: offset paging would repeat s3 (pushed from row 2 to
    // row 3); the keyset goes on after s3.
    expect(pages).toEqual(['s2', 's3', 's4', 's8', 's1', 's7', 's5', 's6', 's9']);
    expect(await allPages({ _sort: 'family', _count: '2' })).toEqual(['late', ...pages]);
  });

  it('_sort skips what the caller may not see, on every page, and counts only what it may', async () => {
    const hidden = new Set(['s3', 's5']);
    const visible: Visibility<StoredResource> = (rows) =>
      Promise.resolve(rows.map((r) => !hidden.has(mrnOf(r))));
    expect(
      await allPages({ _sort: 'family,birthdate', _count: '2', 'identifier:not': `${MRN}|late` }, visible),
    ).toEqual(['s4', 's2', 's8', 's1', 's7', 's6', 's9']);
    const query = repo.parseQuery(
      'Patient',
      { identifier: `${MRN}|`, _total: 'estimate', _count: '2' },
      true,
    );
    expect((await repo.search({ actor, visible }, query)).total).toBe(PEOPLE.length + 1 - hidden.size);
  });

  it('refuses a page token of another sort', async () => {
    const first = await repo.search(
      { actor, visible: ALL_VISIBLE },
      repo.parseQuery('Patient', { identifier: `${MRN}|`, _sort: 'family', _count: '2' }, true),
    );
    const other = repo.parseQuery(
      'Patient',
      { identifier: `${MRN}|`, _sort: 'birthdate,family', _count: '2' },
      true,
    );
    await expect(
      repo.search({ actor, visible: ALL_VISIBLE }, { ...other, pageToken: first.nextPageToken }),
    ).rejects.toThrow('Invalid _page token');
  });

  describe('_total', () => {
    /** The SQL a search sends, through a Db that records it. */
    async function statements(params: QueryParams): Promise<{ sql: string[]; total?: number }> {
      const sql: string[] = [];
      const manager = opened.dataSource.manager;
      const recording = new Proxy(manager, {
        get: (target, name, receiver) =>
          name === 'query'
            ? (text: string | { text: string }, values?: unknown[]) => {
                // A search's statements are prepared: node-postgres query configs with a name.
                sql.push(typeof text === 'string' ? text : text.text);
                return target.query(text as string, values);
              }
            : (Reflect.get(target, name, receiver) as unknown),
      });
      const page = await repo.search(
        { actor, visible: ALL_VISIBLE },
        repo.parseQuery('Patient', { identifier: `${MRN}|`, ...params }, true),
        recording,
      );
      expect(page.entries.length).toBeGreaterThan(0);
      return { sql, total: page.total };
    }
    const counts = (sql: string[]) => sql.filter((s) => /count\(\*\)/i.test(s)).length;

    it('none: no total and no count query at all', async () => {
      const { sql, total } = await statements({ _total: 'none', _count: '2' });
      expect(total).toBeUndefined();
      expect(sql).toHaveLength(1);
      expect(counts(sql)).toBe(0);
    });

    it('accurate and estimate: the count of the matches', async () => {
      for (const mode of ['accurate', 'estimate']) {
        const { sql, total } = await statements({ _total: mode, _count: '2' });
        expect(total).toBe(PEOPLE.length + 1);
        expect(counts(sql)).toBe(1);
      }
    });

    it('a first page holding every match is its own total, with no count query', async () => {
      const { sql, total } = await statements({ _total: 'accurate', _count: '50' });
      expect(total).toBe(PEOPLE.length + 1);
      expect(counts(sql)).toBe(0);
    });
  });

  it('keeps the stored content of sorted matches whole', async () => {
    const page = await repo.search(
      { actor, visible: ALL_VISIBLE },
      repo.parseQuery('Patient', { identifier: `${MRN}|s1`, _sort: 'family' }, true),
    );
    expect(parseStored<Patient>(page.entries[0].stored).name).toEqual([{ family: 'Bernard' }]);
  });
});
