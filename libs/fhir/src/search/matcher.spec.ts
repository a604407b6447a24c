import type { AuditEvent } from 'fhir/r4';
import { extractSearchValues } from './extract';
import { matchesAll, unmatchable } from './matcher';
import { parseSearchQuery, type SearchFilter } from './query';

const event: AuditEvent = {
  resourceType: 'AuditEvent',
  id: 'a1',
  type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
  subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
  action: 'R',
  recorded: '2024-03-10T08:30:00.000Z',
  outcome: '0',
  agent: [{ who: { reference: 'Organization/gp-a' }, requestor: true, name: 'Cabinet Durand' }],
  source: { observer: { reference: 'Device/hub' } },
  entity: [
    {
      what: { reference: 'Patient/p1' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1' },
    },
  ],
};

const filters = (params: Record<string, string>): SearchFilter[] =>
  parseSearchQuery('AuditEvent', params, { strict: true, defaultCount: 20, maxCount: 100, localBases: [] })
    .filters;
const matches = (params: Record<string, string>) =>
  matchesAll(extractSearchValues('AuditEvent', event), event.id, filters(params));

describe('criteria matched in memory', () => {
  it('tokens, references, strings and dates as the store matches them', () => {
    expect(matches({ subtype: 'read', action: 'R', outcome: '0' })).toBe(true);
    expect(matches({ subtype: 'http://hl7.org/fhir/restful-interaction|read' })).toBe(true);
    expect(matches({ subtype: 'vread' })).toBe(false);
    expect(matches({ 'outcome:not': '4' })).toBe(true);
    expect(matches({ agent: 'Organization/gp-a', patient: 'p1', entity: 'Patient/p1' })).toBe(true);
    expect(matches({ patient: 'p2' })).toBe(false);
    expect(matches({ 'agent-name': 'cabinet' })).toBe(true);
    expect(matches({ 'agent-name:exact': 'cabinet' })).toBe(false);
    expect(matches({ 'agent-name:contains': 'duran' })).toBe(true);
    expect(matches({ date: '2024-03-10' })).toBe(true);
    expect(matches({ date: 'ge2024-03-10T08:30:00Z', 'date:missing': 'false' })).toBe(true);
    expect(matches({ date: 'gt2024-03-10T08:30:00.000Z' })).toBe(false);
    expect(matches({ date: 'lt2024-03-10' })).toBe(false);
    expect(matches({ date: 'sa2024-03-09' })).toBe(true);
    expect(matches({ date: 'eb2024-03' })).toBe(false);
    expect(matches({ _id: 'a1,a2' })).toBe(true);
    expect(matches({ 'entity-type:missing': 'true' })).toBe(true);
  });

  it('names what it cannot match', () => {
    expect(unmatchable(filters({ _lastUpdated: 'ge2024' })[0])).toBe('_lastUpdated');
    expect(unmatchable(filters({ _content: 'x' })[0])).toBe('_text and _content');
    expect(() => matchesAll(extractSearchValues('AuditEvent', event), 'a1', filters({ _text: 'x' }))).toThrow(
      /_text and _content cannot be used here/,
    );
  });
});
