import type { AuditInput } from './audit.types';
import { buildAuditEvent } from './audit-event.builder';
import { columnsOf } from './audit-columns';
import { canonicalJson, canonicalJsonOf } from './canonical-json';

/** Every key path whose object lists its keys out of canonical order. */
function outOfOrder(value: unknown, path = '$'): string[] {
  if (typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => outOfOrder(v, `${path}[${i}]`));
  const keys = Object.keys(value);
  const here = keys.some((k, i) => i > 0 && !(keys[i - 1] < k)) ? [path] : [];
  return [...here, ...keys.flatMap((k) => outOfOrder((value as Record<string, unknown>)[k], `${path}.${k}`))];
}

const base: AuditInput = {
  interaction: 'search-type',
  outcome: 'success',
  agency: 'chu-nantes',
  agencyKind: 'hospital',
  clientId: 'chu-nantes',
  purposeOfUse: 'TREAT',
  patientId: 'p-42',
  resourceType: 'Observation',
  query: 'patient=p-42&code=http://loinc.org|718-7',
  requestId: 'req-1',
};

describe('buildAuditEvent', () => {
  it('follows IHE BALP for a RESTful search', () => {
    const event = buildAuditEvent(base, { id: 'a1', recorded: new Date('2025-01-02T03:04:05.678Z') });
    expect(event).toMatchObject({
      resourceType: 'AuditEvent',
      id: 'a1',
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type' }],
      action: 'E',
      recorded: '2025-01-02T03:04:05.678Z',
      outcome: '0',
      purposeOfEvent: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }] },
      ],
      source: { observer: { identifier: { system: 'urn:passerelle', value: 'hub' } } },
    });
    expect(event.outcomeDesc).toBeUndefined();
    expect(event.agent).toEqual([
      expect.objectContaining({
        who: { reference: 'Organization/chu-nantes' },
        requestor: true,
        altId: 'chu-nantes',
        type: { coding: [expect.objectContaining({ code: '110153' })] },
        role: [{ coding: [{ system: 'urn:passerelle:agency-kind', code: 'hospital' }] }],
      }),
      expect.objectContaining({
        requestor: false,
        type: { coding: [expect.objectContaining({ code: '110152' })] },
      }),
    ]);
    const entity = event.entity ?? [];
    expect(entity.find((e) => e.role?.code === '1')?.what).toEqual({ reference: 'Patient/p-42' });
    expect(entity.find((e) => e.role?.code === '4')?.what).toEqual({ type: 'Observation' });
    const query = entity.find((e) => e.role?.code === '24');
    expect(Buffer.from(query?.query ?? '', 'base64').toString('utf8')).toBe(base.query);
    expect(entity.find((e) => e.type?.code === 'XrequestId')?.what).toEqual({
      identifier: { value: 'req-1' },
    });
    expect(event.extension).toBeUndefined();
    expect(event.meta).toBeUndefined();
  });

  it.each([
    ['read', 'R'],
    ['vread', 'R'],
    ['history-instance', 'R'],
    ['history-type', 'E'],
    ['create', 'C'],
    ['update', 'U'],
    ['delete', 'D'],
    ['transaction', 'E'],
    ['operation', 'E'],
  ] as const)('derives action of %s as %s', (interaction, action) => {
    expect(buildAuditEvent({ ...base, interaction }).action).toBe(action);
  });

  it('names the operation and the resource read, and takes an explicit action', () => {
    const everything = buildAuditEvent({
      ...base,
      interaction: 'operation',
      operation: '$everything',
      query: undefined,
    });
    expect(everything.subtype).toEqual([
      { system: 'http://hl7.org/fhir/restful-interaction', code: 'operation' },
      { system: 'urn:passerelle:audit:operation', code: '$everything' },
    ]);
    expect(everything.entity?.some((e) => e.role?.code === '24')).toBe(false);
    const read = buildAuditEvent({
      ...base,
      interaction: 'read',
      resourceId: 'o-1',
      action: 'R',
      query: undefined,
    });
    expect(read.entity?.find((e) => e.role?.code === '4')?.what).toEqual({
      reference: 'Observation/o-1',
      type: 'Observation',
    });
  });

  it('records the practitioner by reference or by the agency identifier', () => {
    const byRef = buildAuditEvent({ ...base, practitioner: 'Practitioner/123' });
    expect(byRef.agent[1]).toEqual(
      expect.objectContaining({ who: { reference: 'Practitioner/123' }, requestor: true }),
    );
    const byId = buildAuditEvent({ ...base, practitioner: 'RPPS 10001234567' });
    expect(byId.agent[1].who).toEqual({
      identifier: { system: 'urn:passerelle:agency:chu-nantes:practitioner', value: 'RPPS 10001234567' },
    });
    expect(byId.agent).toHaveLength(3);
  });

  it('marks break-glass with an extension, a subtype and a security label', () => {
    const event = buildAuditEvent({
      ...base,
      purposeOfUse: 'ETREAT',
      breakGlassReason: 'Unconscious patient',
    });
    expect(event.extension).toEqual([
      { url: 'urn:passerelle:audit:break-glass', valueString: 'Unconscious patient' },
    ]);
    expect(event.subtype).toContainEqual(expect.objectContaining({ code: 'break-glass' }));
    expect(event.meta?.security).toEqual([expect.objectContaining({ code: 'BTG' })]);
    expect(columnsOf(event)).toMatchObject({ breakGlass: true, patientId: 'p-42', agency: 'chu-nantes' });
  });

  it('describes failures briefly and with codes only', () => {
    expect(buildAuditEvent({ ...base, outcome: 'denied' })).toMatchObject({
      outcome: '4',
      outcomeDesc: 'Access denied',
    });
    expect(buildAuditEvent({ ...base, outcome: 'not-found' }).outcome).toBe('4');
    expect(buildAuditEvent({ ...base, outcome: 'error' }).outcome).toBe('8');
    expect(buildAuditEvent({ ...base, outcome: 'denied', outcomeDesc: 'consent-deny' }).outcomeDesc).toBe(
      'consent-deny',
    );
  });

  it('carries identifiers only: no names, no results', () => {
    const json = JSON.stringify(buildAuditEvent(base));
    expect(json).not.toMatch(/"name"|"text"|"birthDate"|"entry"/);
    expect(Object.keys(buildAuditEvent(base)).sort()).toEqual([
      'action',
      'agent',
      'entity',
      'id',
      'outcome',
      'purposeOfEvent',
      'recorded',
      'resourceType',
      'source',
      'subtype',
      'type',
    ]);
  });

  it.each([
    ['a search', {}],
    ['a denied read', { interaction: 'read', outcome: 'denied', query: undefined }],
    ['break-glass', { breakGlassReason: 'arrêt cardiaque' }],
    ['a practitioner reference', { practitioner: 'Practitioner/pr-1' }],
    ['a practitioner identifier', { practitioner: 'Dr Who', resourceId: 'o-1' }],
    [
      'an operation with details',
      { interaction: 'operation', operation: 'everything', details: [{ type: 't', value: 'v' }] },
    ],
    [
      'no patient, kind nor purpose',
      { patientId: undefined, agencyKind: undefined, purposeOfUse: undefined },
    ],
  ])('writes %s with its keys in canonical order (serialised without sorting)', (_what, change) => {
    const event = buildAuditEvent({ ...base, ...change } as AuditInput);
    expect(outOfOrder(event)).toEqual([]);
    expect(canonicalJsonOf(event)).toBe(canonicalJson(event));
  });

  it('makes free text storable in jsonb (no NUL, no lone surrogate)', () => {
    const event = buildAuditEvent({ ...base, breakGlassReason: 'a\u0000b\uD800c' });
    expect(event.extension?.[0].valueString).toBe('ab\uFFFDc');
    // Cut at 500 characters through an emoji (a surrogate pair): the half left is replaced.
    const cut = buildAuditEvent({ ...base, breakGlassReason: `${'x'.repeat(499)}😀` });
    expect(cut.extension?.[0].valueString).toBe(`${'x'.repeat(499)}\uFFFD`);
  });

  it.each([
    ['an unknown interaction', { interaction: 'steal' }],
    ['a missing agency', { agency: '' }],
    ['an agency that is not an id', { agency: 'a/b' }],
    ['a missing request id', { requestId: ' ' }],
    ['a bad patient id', { patientId: '../x' }],
    ['a bad resource type', { resourceType: 'observation' }],
  ])('refuses %s', (_what, change) => {
    expect(() => buildAuditEvent({ ...base, ...change } as AuditInput)).toThrow(TypeError);
  });
});
