import type { CapabilityStatementRestResourceSearchParam, FhirResource } from 'fhir/r4';
import {
  capabilityStatement,
  findParam,
  getFhirSchemaValidator,
  isSupportedType,
  SUPPORTED_TYPES,
  type SupportedType,
} from '@passerelle/fhir';
import { FhirRepository, openDatabase, type OpenDatabase } from '@passerelle/store';
import { createRandom } from '@passerelle/synthetic';
import { createTestDatabase, resourceDefinitions, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import { criterion } from './differential-queries';
import { syntheticRecords } from './records';

/** AuditEvent is written by the server and searched in the audit trail, tested in libs/audit. */
const STORED_TYPES = SUPPORTED_TYPES.filter((t) => t !== 'AuditEvent');

/**
 * Every search parameter `metadata` advertises really filters: on a store holding resources of
 * every type, a value nothing holds matches nothing, and a value a resource holds finds it.
 */
const actor = { agency: 'caps', requestId: 'capability' };
const subject = { reference: 'Patient/d0' };

/** One valid resource of each type the synthetic records do not hold. */
const EXTRA: FhirResource[] = [
  { resourceType: 'PractitionerRole', id: 'x1', active: true },
  {
    resourceType: 'Location',
    id: 'x2',
    name: 'Cabinet du Parc',
    position: { latitude: 45.76, longitude: 4.83 },
  },
  {
    resourceType: 'Composition',
    id: 'x3',
    status: 'final',
    type: { text: 'Note' },
    date: '2024-01-01',
    author: [{ reference: 'Practitioner/d2' }],
    title: 'Note',
    subject,
  },
  { resourceType: 'ServiceRequest', id: 'x4', status: 'active', intent: 'order', subject },
  { resourceType: 'CarePlan', id: 'x5', status: 'active', intent: 'plan', subject },
  { resourceType: 'Device', id: 'x6', status: 'active' },
  {
    resourceType: 'Consent',
    id: 'x7',
    status: 'active',
    scope: { text: 'privacy' },
    category: [{ text: 'consent' }],
    patient: subject,
  },
  { resourceType: 'Communication', id: 'x8', status: 'completed', subject },
  {
    resourceType: 'Provenance',
    id: 'x9',
    target: [subject],
    recorded: '2024-01-01T00:00:00Z',
    agent: [{ who: { reference: 'Organization/d1' } }],
  },
  { resourceType: 'Binary', id: 'x10', contentType: 'text/plain' },
  {
    resourceType: 'Appointment',
    id: 'x11',
    identifier: [{ system: 'https://caps.example/rdv', value: 'RDV-1' }],
    status: 'booked',
    appointmentType: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'ROUTINE' }],
    },
    serviceType: [{ coding: [{ system: 'http://snomed.info/sct', code: '394579002' }] }],
    specialty: [{ coding: [{ system: 'http://snomed.info/sct', code: '394579002' }] }],
    reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '49601007' }] }],
    basedOn: [{ reference: 'ServiceRequest/x4' }],
    start: '2024-02-01T09:00:00Z',
    end: '2024-02-01T09:30:00Z',
    participant: [
      { actor: subject, status: 'accepted' },
      { actor: { reference: 'Practitioner/d2' }, status: 'accepted' },
      { actor: { reference: 'Location/x2' }, status: 'tentative' },
    ],
  },
];

const NONE = 'zzqxw';

/** A value of the parameter's type that no stored resource holds. */
function nothing(type: SupportedType, p: CapabilityStatementRestResourceSearchParam): string {
  if (p.name === '_id') return NONE;
  if (p.name === '_lastUpdated') return 'eq1801';
  const kindOf = (kind: string): string => {
    switch (kind) {
      case 'string':
        return NONE;
      case 'token':
        return `urn:none|${NONE}`;
      case 'date':
        return 'eq1801-01-01';
      case 'number':
      case 'quantity':
        return '-987654321';
      case 'uri':
        return `urn:none:${NONE}`;
      case 'reference':
        return `Patient/${NONE}`;
      case 'special': // Location's near: a kilometre around the South Pole
        return '-89.9|0|1|km';
      default:
        throw new Error(`no value for ${kind}`);
    }
  };
  if (p.type === 'composite') {
    const second = findParam(type, p.name)?.components?.[1]?.kind ?? 'token';
    return `urn:none|${NONE}$${kindOf(second)}`;
  }
  return kindOf(p.type);
}

describe.each(STORE_KINDS)('every advertised search parameter filters, on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  const held = [...syntheticRecords(3, 777), ...EXTRA];
  // Every other stored type: a minimal instance from its definitions (the store checks no
  // reference here, so references name the synthetic patient or a made-up target).
  const generated = STORED_TYPES.filter((t) => !held.some((r) => r.resourceType === t)).map(
    (type, i) =>
      ({
        ...resourceDefinitions().minimal(type, (allowed) =>
          allowed.includes('Patient') || allowed.includes('Resource') ? 'Patient/d0' : `${allowed[0]}/g0`,
        ),
        id: `g${i + 1}`,
      }) as unknown as FhirResource,
  );
  const resources = [...held, ...generated];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
    repo = new FhirRepository(opened.dataSource, {
      localBases: [],
      validator: getFhirSchemaValidator(),
      defaultCount: 1000,
      maxCount: 1000,
    });
    for (const r of resources) await repo.update(actor, r.resourceType as SupportedType, r.id as string, r);
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  const search = async (type: SupportedType, params: Record<string, string>) =>
    (await repo.internal.search(repo.parseQuery(type, params, true))).entries.map((e) => e.stored.id);

  it('a value nothing holds matches nothing, for every parameter of every type', async () => {
    const advertised = capabilityStatement({
      baseUrl: 'https://hub.example/fhir',
      version: '0',
      date: '2026-01-01',
    }).rest![0].resource!;
    let checked = 0;
    for (const entry of advertised.filter((e) => e.type !== 'AuditEvent')) {
      const type = entry.type as SupportedType;
      expect((await search(type, {})).length).toBeGreaterThan(0);
      for (const p of entry.searchParam ?? []) {
        expect({
          query: `${type}?${p.name}`,
          ids: await search(type, { [p.name]: nothing(type, p) }),
        }).toEqual({
          query: `${type}?${p.name}`,
          ids: [],
        });
        checked++;
      }
    }
    expect(advertised.map((e) => e.type).sort()).toEqual([...SUPPORTED_TYPES].sort());
    expect(STORED_TYPES.every((t) => resources.some((r) => r.resourceType === t))).toBe(true);
    expect(checked).toBeGreaterThan(500);
  });

  it('a value a resource holds finds it', async () => {
    const random = createRandom(5);
    const pick = <T>(items: readonly T[]): T => random.pick(items);
    let found = 0;
    for (const resource of resources) {
      if (!isSupportedType(resource.resourceType)) continue;
      const type = resource.resourceType;
      for (const name of capabilityStatement({ baseUrl: 'x', version: '0', date: '2026-01-01' })
        .rest![0].resource!.find((e) => e.type === type)!
        .searchParam!.map((p) => p.name)) {
        const c = criterion(type, resource, name, pick);
        if (!c || /^(sa|eb|ne|gt|lt)/.test(c[1])) continue; // those prefixes exclude the value itself
        expect({
          query: `${type}?${c[0]}=${c[1]}`,
          has: (await search(type, { [c[0]]: c[1] })).includes(resource.id!),
        }).toEqual({
          query: `${type}?${c[0]}=${c[1]}`,
          has: true,
        });
        found++;
      }
    }
    expect(found).toBeGreaterThan(1000);
  });
});
