import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import type { AuditInput } from './audit.types';
import { buildAuditEvent } from './audit-event.builder';
import { appendToChain, prepareEvent } from './audit-chain';
import { AuditQueries } from './audit-queries';
import { AUDIT_SCHEMA } from './schema';

const at = (day: number) => new Date(Date.UTC(2025, 0, day, 12));
const base: AuditInput = {
  interaction: 'read',
  outcome: 'success',
  agency: 'chu-nantes',
  clientId: 'chu-nantes',
  purposeOfUse: 'TREAT',
  resourceType: 'Observation',
  requestId: 'r',
};

/** Events on given days (recorded is set by the builder; written through the chain). */
const EVENTS: [number, Partial<AuditInput>][] = [
  [1, { patientId: 'p1', resourceId: 'o1', practitioner: 'Practitioner/7' }],
  [2, { patientId: 'p2' }],
  [
    3,
    {
      patientId: 'p1',
      agency: 'gp-brest',
      clientId: 'gp-brest',
      interaction: 'search-type',
      query: 'code=x',
    },
  ],
  [4, { patientId: 'p1b', purposeOfUse: 'ETREAT', breakGlassReason: 'Unconscious patient' }],
  [5, { patientId: 'p1', outcome: 'denied', outcomeDesc: 'consent-deny' }],
  [6, { patientId: 'p1', interaction: 'operation', operation: '$everything', resourceType: 'Patient' }],
  [7, { agency: 'gp-brest', clientId: 'gp-brest', interaction: 'search-type' }],
];

describe.each(STORE_KINDS)('AuditQueries on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let queries: AuditQueries;
  const ids: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
    queries = new AuditQueries(opened.dataSource);
    const events = EVENTS.map(([day, change]) =>
      buildAuditEvent({ ...base, ...change }, { recorded: at(day) }),
    );
    ids.push(...events.map((e) => e.id ?? ''));
    await opened.dataSource.transaction((tx) => appendToChain(tx, events.map(prepareEvent)));
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  const dayOf = (recorded: string | undefined) => new Date(recorded ?? '').getUTCDate();

  it('reads one event by id', async () => {
    expect((await queries.read(ids[2]))?.id).toBe(ids[2]);
    expect(await queries.read('nope')).toBeUndefined();
  });

  it('searches newest first, with keyset pages', async () => {
    const first = await queries.search({ count: 3 });
    expect(first.events.map((e) => dayOf(e.recorded))).toEqual([7, 6, 5]);
    const second = await queries.search({ count: 3, after: first.next });
    expect(second.events.map((e) => dayOf(e.recorded))).toEqual([4, 3, 2]);
    const last = await queries.search({ count: 3, after: second.next });
    expect(last.events.map((e) => dayOf(e.recorded))).toEqual([1]);
    expect(last.next).toBeUndefined();
  });

  it.each([
    ['patients', { patient: ['p1', 'p1b'] }, [6, 5, 4, 3, 1]],
    ['agency', { agency: 'gp-brest' }, [7, 3]],
    ['subtype code', { subtype: 'search-type' }, [7, 3]],
    ['subtype system|code', { subtype: 'urn:passerelle:audit:operation|$everything' }, [6]],
    ['break-glass subtype', { subtype: 'break-glass' }, [4]],
    ['outcome', { outcome: '4' as const }, [5]],
    ['date range', { dateGe: at(2), dateLt: at(4) }, [3, 2]],
    ['break-glass', { breakGlass: true }, [4]],
    ['combined', { patient: ['p1'], agency: 'chu-nantes', dateGe: at(2) }, [6, 5]],
  ])('filters by %s', async (_what, filter, days) => {
    const page = await queries.search({ count: 20, ...filter });
    expect(page.events.map((e) => dayOf(e.recorded))).toEqual(days);
  });

  it('reports who, when, what and why for the patient records in the period only', async () => {
    const rows = await queries.accessReport(['p1', 'p1b'], at(1), at(6));
    expect(rows.map((r) => r.recorded.getUTCDate())).toEqual([1, 3, 4, 5]);
    expect(rows[0]).toEqual({
      recorded: at(1),
      patientId: 'p1',
      agency: 'chu-nantes',
      practitioner: 'Practitioner/7',
      interaction: 'read',
      resourceType: 'Observation',
      purposeOfUse: 'TREAT',
      breakGlass: false,
      outcome: '0',
    });
    expect(rows[1]).toMatchObject({ agency: 'gp-brest', interaction: 'search-type' });
    expect(rows[2]).toMatchObject({
      patientId: 'p1b',
      purposeOfUse: 'ETREAT',
      breakGlass: true,
      breakGlassReason: 'Unconscious patient',
    });
    expect(rows[3]).toMatchObject({ outcome: '4' });
    const everything = await queries.accessReport(['p1'], at(6), at(7));
    expect(everything).toEqual([
      expect.objectContaining({ interaction: 'operation', operation: '$everything' }),
    ]);
    expect(await queries.accessReport(['p2'], at(3), at(9))).toEqual([]);
    expect(await queries.accessReport([], at(1), at(9))).toEqual([]);
  });
});
