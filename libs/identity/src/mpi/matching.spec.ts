import type { Patient } from 'fhir/r4';
import {
  decideLink,
  demographicsOf,
  INS_SYSTEM,
  isValidNhsNumber,
  isValidNir,
  keysOf,
  lockNames,
  nationalIdKeys,
  nationalIdsConflict,
  NHS_NUMBER_SYSTEM,
  normaliseName,
  normalisePostalCode,
  type PersonMatch,
  sharedNationalIdRules,
} from './matching';

const INS = '180022912345657';
const NHS = '9434765919';

function patient(overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    name: [{ family: 'Le Gall-Ménard', given: ['Éloïse', 'Marie'] }],
    birthDate: '1980-02-29',
    gender: 'female',
    address: [{ use: 'home', postalCode: '29200' }],
    ...overrides,
  };
}

describe('name normalisation', () => {
  it.each([
    ['Le Gall-Ménard', 'LEGALLMENARD'],
    ['LE GALL MENARD', 'LEGALLMENARD'],
    ['legallmenard', 'LEGALLMENARD'],
    ["O'Brien", 'OBRIEN'],
    ['O’Brien', 'OBRIEN'],
    ['OBRIEN', 'OBRIEN'],
    ['  Éloïse ', 'ELOISE'],
    ['Cœur', 'COEUR'],
    ['Lætitia', 'LAETITIA'],
    ['Straße', 'STRASSE'],
    ['Øvergård', 'OVERGARD'],
    ['Jean-Noël', 'JEANNOEL'],
    ['ﬁlippi', 'FILIPPI'],
  ])('%p → %p', (raw, folded) => {
    expect(normaliseName(raw)).toBe(folded);
  });

  it('folds postal codes', () => {
    expect(normalisePostalCode('sw1a 1aa')).toBe('SW1A1AA');
    expect(normalisePostalCode('29 200')).toBe('29200');
  });
});

describe('NHS number', () => {
  it.each(['9434765919', '4010232137', '1000000060'])('accepts %s', (n) => {
    expect(isValidNhsNumber(n)).toBe(true);
  });
  it.each([
    ['9434765918', 'wrong check digit'],
    ['1000000010', 'check digit would be 10'],
    ['943476591', 'nine digits'],
    ['94347659190', 'eleven digits'],
    ['943476591A', 'a letter'],
  ])('refuses %s (%s)', (n) => {
    expect(isValidNhsNumber(n)).toBe(false);
  });
});

describe('INS (NIR)', () => {
  it.each([INS, '285057512304546', '180022A12345636', '180022B12345663'])('accepts %s', (n) => {
    expect(isValidNir(n)).toBe(true);
  });
  it.each([
    ['180022912345658', 'wrong key'],
    ['1800229123456', 'no key'],
    ['180022A12345663', '2A with the key of 2B'],
    ['180022C12345636', 'not a Corsican department'],
    ['580022912345657', 'sex digit'],
  ])('refuses %s (%s)', (n) => {
    expect(isValidNir(n)).toBe(false);
  });
});

describe('national identifiers of a patient', () => {
  it('keeps valid ones as system|value, compacted, and ignores old and unknown systems', () => {
    const keys = nationalIdKeys(
      patient({
        identifier: [
          { system: INS_SYSTEM, value: '1 80 02 29 123 456 57' },
          { system: NHS_NUMBER_SYSTEM, value: '943 476 5919' },
          { system: NHS_NUMBER_SYSTEM, value: '4010232137', use: 'old' },
          { system: 'https://hospital.example/mrn', value: '42' },
          { system: INS_SYSTEM, value: '180022912345658' },
        ],
      }),
    );
    expect(keys).toEqual([`${NHS_NUMBER_SYSTEM}|${NHS}`, `${INS_SYSTEM}|${INS}`].sort());
  });

  it('finds conflicts only within one system', () => {
    const ins = `${INS_SYSTEM}|${INS}`;
    const otherIns = `${INS_SYSTEM}|285057512304546`;
    const nhs = `${NHS_NUMBER_SYSTEM}|${NHS}`;
    expect(nationalIdsConflict([ins], [otherIns])).toBe(true);
    expect(nationalIdsConflict([ins], [ins, nhs])).toBe(false);
    expect(nationalIdsConflict([ins], [nhs])).toBe(false);
    expect(nationalIdsConflict([], [ins])).toBe(false);
    expect(nationalIdsConflict([ins, nhs], [ins, `${NHS_NUMBER_SYSTEM}|4010232137`])).toBe(true);
    expect(sharedNationalIdRules([ins, nhs], [nhs])).toEqual(['nhs-number']);
  });
});

describe('demographic keys', () => {
  it('match across spellings of the same demographics', () => {
    const a = keysOf(patient());
    const b = keysOf(
      patient({
        name: [
          { use: 'official', family: 'LE GALL MENARD', given: ['eloise'] },
          { use: 'nickname', family: 'X', given: ['Y'] },
        ],
        address: [{ use: 'old', postalCode: '75001' }, { postalCode: '29 200' }],
      }),
    );
    expect(a.demographic).toBeDefined();
    expect(b.demographic).toBe(a.demographic);
    expect(b.nameBirth).toBe(a.nameBirth);
  });

  it('hold no names', () => {
    const keys = keysOf(patient());
    expect(keys.demographic).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(keys)).not.toMatch(/GALL|ELOISE|29200/i);
  });

  it('tell twins apart: same family and birth date, another given name', () => {
    const twin = keysOf(patient({ name: [{ family: 'Le Gall-Ménard', given: ['Maëlle'] }] }));
    expect(twin.demographic).not.toBe(keysOf(patient()).demographic);
    expect(twin.nameBirth).not.toBe(keysOf(patient()).nameBirth);
  });

  it.each<[string, Partial<Patient>]>([
    ['family', { name: [{ given: ['Éloïse'] }] }],
    ['given', { name: [{ family: 'Le Gall-Ménard' }] }],
    ['birth date', { birthDate: undefined }],
    ['a full birth date', { birthDate: '1980-02' }],
    ['gender', { gender: undefined }],
    ['a known gender', { gender: 'unknown' }],
    ['postal code', { address: [{ city: 'Quimper' }] }],
    ['a name made of letters', { name: [{ family: '--', given: ['Éloïse'] }] }],
  ])('need %s', (_what, overrides) => {
    expect(keysOf(patient(overrides)).demographic).toBeUndefined();
  });

  it('use the first given name and the official name', () => {
    expect(
      demographicsOf(
        patient({
          name: [
            { use: 'usual', family: 'Durand', given: ['Léa'] },
            { use: 'official', family: 'Martin', given: ['Anne', 'Léa'] },
          ],
        }),
      ),
    ).toMatchObject({ family: 'MARTIN', given: 'ANNE' });
  });

  it('lock only the keys that decide links or candidates', () => {
    const keys = keysOf(patient({ identifier: [{ system: INS_SYSTEM, value: INS }] }));
    const names = lockNames('p1', [
      { kind: 'nid', value: keys.nationalIds[0] },
      { kind: 'demo', value: 'h' },
      { kind: 'name-dob', value: 'n' },
    ]);
    expect(names).toEqual(['mpi:patient:p1', `mpi:nid:${INS_SYSTEM}|${INS}`, 'mpi:demo:h']);
  });
});

describe('link decision', () => {
  const at = (day: number) => new Date(Date.UTC(2025, 0, day));
  const match = (personId: string, records: number, day: number, conflicts = false): PersonMatch => ({
    personId,
    records,
    createdAt: at(day),
    conflicts,
  });

  it('gives the first record of a human a new person', () => {
    expect(decideLink(undefined, false, [])).toEqual({ kind: 'new' });
  });

  it('joins the person sharing its national id', () => {
    expect(decideLink(undefined, false, [match('p1', 1, 1)])).toEqual({ kind: 'join', personId: 'p1' });
  });

  it('never joins a person holding a conflicting national id', () => {
    expect(decideLink(undefined, false, [match('p1', 1, 1, true)])).toEqual({ kind: 'new' });
  });

  it('prefers the person with most matching records, then the oldest', () => {
    expect(decideLink(undefined, false, [match('p1', 1, 1), match('p2', 2, 2)])).toEqual({
      kind: 'join',
      personId: 'p2',
    });
    expect(decideLink(undefined, false, [match('p2', 1, 2), match('p1', 1, 1)])).toEqual({
      kind: 'join',
      personId: 'p1',
    });
  });

  it('keeps a person that still shares its national id', () => {
    expect(
      decideLink({ personId: 'p2', method: 'national-id' }, false, [match('p1', 3, 1), match('p2', 1, 2)]),
    ).toEqual({ kind: 'keep' });
  });

  it('moves an automatic link when its national id now points elsewhere', () => {
    expect(decideLink({ personId: 'p0', method: 'new' }, false, [match('p1', 1, 1)])).toEqual({
      kind: 'join',
      personId: 'p1',
    });
  });

  it('keeps an operator decision, unless its national id now conflicts', () => {
    expect(decideLink({ personId: 'p0', method: 'admin' }, false, [match('p1', 1, 1)])).toEqual({
      kind: 'keep',
    });
    expect(decideLink({ personId: 'p0', method: 'demographic' }, false, [])).toEqual({ kind: 'keep' });
    expect(decideLink({ personId: 'p0', method: 'demographic' }, true, [])).toEqual({ kind: 'new' });
    expect(decideLink({ personId: 'p0', method: 'admin' }, true, [match('p1', 1, 1)])).toEqual({
      kind: 'join',
      personId: 'p1',
    });
  });

  it('leaves a person whose national id it no longer shares', () => {
    expect(decideLink({ personId: 'p0', method: 'national-id' }, true, [])).toEqual({ kind: 'new' });
  });

  it('leaves a person it had joined on a qualified national id that no longer agrees', () => {
    expect(decideLink({ personId: 'p0', method: 'national-id' }, false, [])).toEqual({ kind: 'new' });
    expect(decideLink({ personId: 'p0', method: 'national-id' }, false, [match('p1', 1, 1)])).toEqual({
      kind: 'join',
      personId: 'p1',
    });
  });

  it('keeps the first record of a person, which no evidence put there', () => {
    expect(decideLink({ personId: 'p0', method: 'new' }, false, [])).toEqual({ kind: 'keep' });
  });
});
