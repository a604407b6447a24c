import type { BundleEntry, Condition, Encounter, Resource } from 'fhir/r4';
import { sortPage, tombstoneOf } from './apply-tombstones';
import { canMarkEnteredInError, isEnteredInError, markedEnteredInError } from './entered-in-error';

const SYS = 'https://chu.example/enc';
const stay = (value: string, status: Encounter['status'] = 'finished'): Encounter => ({
  resourceType: 'Encounter',
  identifier: [{ system: SYS, value }],
  status,
  class: { code: 'IMP' },
});
const put = (resource: Resource): BundleEntry => ({ resource, request: { method: 'PUT', url: 'x' } });
const del = (value: string): BundleEntry => ({
  request: { method: 'DELETE', url: `Encounter?identifier=${encodeURIComponent(`${SYS}|${value}`)}` },
});
const keyOf = (r: Resource) => {
  const id = (r as Encounter).identifier?.[0];
  return id?.system && id.value ? `${id.system}|${id.value}` : undefined;
};

describe('a feed page sorted into writes and withdrawals', () => {
  it('reads a DELETE entry as the withdrawal of the identifier it names', () => {
    expect(tombstoneOf(del('E-1'))).toEqual({ type: 'Encounter', token: `${SYS}|E-1` });
    expect(tombstoneOf(put(stay('E-1')))).toBeUndefined();
    expect(tombstoneOf({ request: { method: 'DELETE', url: 'Encounter/12' } })).toBeUndefined();
    expect(
      tombstoneOf({ request: { method: 'DELETE', url: 'Encounter?identifier=%E0%A4%A' } }),
    ).toBeUndefined();
  });

  it('takes each record by its last entry: updated then withdrawn is withdrawn, withdrawn then sent is written', () => {
    const page = [put(stay('A')), del('A'), del('B'), put(stay('B', 'cancelled')), put(stay('C'))];
    const { writes, tombstones } = sortPage(page, 'entered-in-error', keyOf);
    expect(tombstones).toEqual([{ type: 'Encounter', token: `${SYS}|A` }]);
    expect(writes.map((w) => [keyOf(w), (w as Encounter).status])).toEqual([
      [`${SYS}|B`, 'cancelled'],
      [`${SYS}|C`, 'finished'],
    ]);
  });

  it('withdraws a record received in error when the agency deletes such records, and writes it as received otherwise', () => {
    const page = [put(stay('A', 'entered-in-error'))];
    expect(sortPage(page, 'delete', keyOf)).toEqual({
      writes: [],
      tombstones: [{ type: 'Encounter', token: `${SYS}|A` }],
    });
    expect(sortPage(page, 'entered-in-error', keyOf).writes).toHaveLength(1);
  });

  it('keeps earlier versions of a record written last (the applier keeps the latest), and items without identifier', () => {
    const bare: Encounter = { resourceType: 'Encounter', status: 'finished', class: { code: 'IMP' } };
    const { writes } = sortPage([put(stay('A')), put(bare), put(stay('A', 'cancelled'))], 'delete', keyOf);
    expect(writes).toHaveLength(3);
  });
});

describe('entered-in-error', () => {
  it('marks a status, or a verification status, and knows which types have neither', () => {
    expect(markedEnteredInError(stay('A'))?.status).toBe('entered-in-error');
    const condition: Condition = {
      resourceType: 'Condition',
      subject: { reference: 'Patient/1' },
      clinicalStatus: { coding: [{ code: 'active' }] },
    };
    const marked = markedEnteredInError(condition)!;
    expect(JSON.parse(JSON.stringify(marked))).toEqual({
      resourceType: 'Condition',
      subject: { reference: 'Patient/1' },
      verificationStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' },
        ],
      },
    });
    expect(isEnteredInError(marked)).toBe(true);
    expect(isEnteredInError(condition)).toBe(false);
    expect(isEnteredInError(stay('A', 'entered-in-error'))).toBe(true);
    expect(markedEnteredInError({ resourceType: 'Patient' })).toBeUndefined();
    expect(canMarkEnteredInError('Patient')).toBe(false);
    expect(canMarkEnteredInError('AllergyIntolerance')).toBe(true);
  });
});
