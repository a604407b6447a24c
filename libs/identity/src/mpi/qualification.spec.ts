import type { Extension, Identifier, Patient } from 'fhir/r4';
import { INS_SYSTEM, keysOf, NHS_NUMBER_SYSTEM, qualifiedIdKeys } from './matching';
import {
  birthplaceExtension,
  FR_CORE_IDENTITY_RELIABILITY_URL,
  FR_CORE_IDENTITY_STATUS_SYSTEM,
  FR_CORE_V2_0445_SYSTEM,
  insTraitsOf,
  isQualifiedInsIdentity,
  isVerifiedNhsNumber,
  NHS_NUMBER_VERIFICATION_STATUS_URL,
  nationalIdOfQualified,
  qualifiedInsExtension,
  qualifiedKeysAgree,
  verifiedNhsNumberExtension,
} from './qualification';

const INS = '180022912345657';
const NHS = '9434765919';

const reliability = (...parts: Extension[]): Extension => ({
  url: FR_CORE_IDENTITY_RELIABILITY_URL,
  extension: parts,
});
const status = (system: string, code: string): Extension => ({
  url: 'identityStatus',
  valueCoding: { system, code },
});
const comment = (code: string): Extension => ({
  url: 'comment',
  valueCodeableConcept: { coding: [{ system: 'https://hl7.fr/ig/fhir/core/CodeSystem/x', code }] },
});

/** A qualified INS identity as FR Core carries it. */
function insPatient(overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    extension: [qualifiedInsExtension(), birthplaceExtension('29232')],
    identifier: [{ use: 'official', system: INS_SYSTEM, value: INS }],
    name: [
      { use: 'usual', family: 'Durand', given: ['Léa'] },
      { use: 'official', family: 'Le Gall-Ménard', given: ['Éloïse', 'Marie'] },
    ],
    birthDate: '1980-02-29',
    gender: 'female',
    ...overrides,
  };
}

function nhsIdentifier(...extension: Extension[]): Identifier {
  return { system: NHS_NUMBER_SYSTEM, value: NHS, extension };
}

describe('INS identity qualification', () => {
  it.each<[string, Extension[], boolean]>([
    ['QUAL (the RNIV statuses)', [reliability(status(FR_CORE_IDENTITY_STATUS_SYSTEM, 'QUAL'))], true],
    [
      'VALI of table 0445 (FR Core up to 2.2.0-ballot-2)',
      [reliability(status(FR_CORE_V2_0445_SYSTEM, 'VALI'))],
      true,
    ],
    ['QUAL of table 0445', [reliability(status(FR_CORE_V2_0445_SYSTEM, 'QUAL'))], true],
    [
      'VALI of the RNIV statuses: validated, not retrieved from INSi',
      [reliability(status(FR_CORE_IDENTITY_STATUS_SYSTEM, 'VALI'))],
      false,
    ],
    [
      'RECUP: retrieved, never checked against an identity document',
      [reliability(status(FR_CORE_IDENTITY_STATUS_SYSTEM, 'RECUP'))],
      false,
    ],
    ['PROV', [reliability(status(FR_CORE_V2_0445_SYSTEM, 'PROV'))], false],
    ['no status', [reliability()], false],
    ['no extension', [], false],
    ['a status code from another system', [reliability(status('https://example.org/status', 'VALI'))], false],
    [
      'qualified and provisional at once',
      [
        reliability(status(FR_CORE_IDENTITY_STATUS_SYSTEM, 'QUAL')),
        reliability(status(FR_CORE_V2_0445_SYSTEM, 'PROV')),
      ],
      false,
    ],
    [
      'qualified but doubtful',
      [reliability(status(FR_CORE_IDENTITY_STATUS_SYSTEM, 'QUAL'), comment('DOUT'))],
      false,
    ],
    [
      'qualified but disabled',
      [reliability(status(FR_CORE_IDENTITY_STATUS_SYSTEM, 'QUAL'), comment('DESA'))],
      false,
    ],
    [
      'qualified, with a homonym noted',
      [reliability(status(FR_CORE_IDENTITY_STATUS_SYSTEM, 'QUAL'), comment('HOMD'))],
      true,
    ],
  ])('%s → %p', (_what, extension, qualified) => {
    expect(isQualifiedInsIdentity(insPatient({ extension }))).toBe(qualified);
  });

  it('reads the INS traits from the official (birth) name, and the birthplace code', () => {
    expect(insTraitsOf(insPatient())).toEqual({
      family: 'LEGALLMENARD',
      given: 'ELOISE',
      birthDate: '1980-02-29',
      gender: 'female',
      birthplace: '29232',
    });
  });

  it.each<[string, Partial<Patient>]>([
    ['an official name', { name: [{ use: 'usual', family: 'Durand', given: ['Léa'] }] }],
    ['a first given name', { name: [{ use: 'official', family: 'Le Gall' }] }],
    ['a full birth date', { birthDate: '1980-02' }],
    ['a known sex', { gender: 'unknown' }],
  ])('has no INS traits without %s', (_what, overrides) => {
    expect(insTraitsOf(insPatient(overrides))).toBeUndefined();
    expect(qualifiedIdKeys(insPatient(overrides))).toEqual([]);
  });
});

describe('qualified keys', () => {
  const keyOf = (patient: Patient) => {
    const [key] = qualifiedIdKeys(patient);
    return key;
  };

  it('are the national id, a hash of the traits and one of the birthplace: no names', () => {
    const key = keyOf(insPatient());
    expect(key).toMatch(new RegExp(`^${INS_SYSTEM}\\|${INS}\\|[0-9a-f]{64}\\|[0-9a-f]{64}$`));
    expect(nationalIdOfQualified(key)).toBe(`${INS_SYSTEM}|${INS}`);
    expect(key).not.toMatch(/GALL|ELOISE|29232/i);
  });

  it('agree across spellings of the same traits', () => {
    const other = insPatient({
      name: [{ use: 'official', family: 'LE GALL MENARD', given: ['eloise'] }],
      address: [{ postalCode: '75001' }],
    });
    expect(qualifiedKeysAgree(keyOf(insPatient()), keyOf(other))).toBe(true);
  });

  it('agree when only one record gives the birthplace', () => {
    const without = insPatient({ extension: [qualifiedInsExtension()] });
    expect(qualifiedKeysAgree(keyOf(insPatient()), keyOf(without))).toBe(true);
    expect(qualifiedKeysAgree(keyOf(without), keyOf(insPatient()))).toBe(true);
  });

  it.each<[string, Partial<Patient>]>([
    ['birth family name', { name: [{ use: 'official', family: 'Le Gall', given: ['Éloïse'] }] }],
    [
      'first given name',
      { name: [{ use: 'official', family: 'Le Gall-Ménard', given: ['Marie', 'Éloïse'] }] },
    ],
    ['birth date', { birthDate: '1980-03-01' }],
    ['sex', { gender: 'male' }],
    ['birthplace code', { extension: [qualifiedInsExtension(), birthplaceExtension('29019')] }],
  ])('disagree when the %s differs', (_what, overrides) => {
    expect(qualifiedKeysAgree(keyOf(insPatient()), keyOf(insPatient(overrides)))).toBe(false);
  });

  it('disagree on another INS with the same traits', () => {
    const other = insPatient({ identifier: [{ system: INS_SYSTEM, value: '285057512304546' }] });
    expect(qualifiedKeysAgree(keyOf(insPatient()), keyOf(other))).toBe(false);
  });

  it('leave an unqualified INS out, while it stays a national id (for conflicts and candidates)', () => {
    const unqualified = insPatient({ extension: [] });
    expect(keysOf(unqualified)).toMatchObject({ nationalIds: [`${INS_SYSTEM}|${INS}`], qualifiedIds: [] });
  });
});

describe('NHS number verification', () => {
  const coded = (system: string, code: string): Extension => ({
    url: NHS_NUMBER_VERIFICATION_STATUS_URL,
    valueCodeableConcept: { coding: [{ system, code }] },
  });
  const ENGLAND = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';

  it.each<[string, Extension[], boolean]>([
    ['01, number present and verified', [verifiedNhsNumberExtension()], true],
    [
      '01 of the Welsh code system (present and traced)',
      [coded('https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusWales', '01')],
      true,
    ],
    ['02, present but not traced', [coded(ENGLAND, '02')], false],
    ['05, trace needs to be resolved', [coded(ENGLAND, '05')], false],
    ['01 from another code system', [coded('https://example.org/status', '01')], false],
    ['no status', [], false],
  ])('%s → %p', (_what, extension, verified) => {
    expect(isVerifiedNhsNumber(nhsIdentifier(...extension))).toBe(verified);
  });

  it('makes a qualified key of a verified NHS number only, with no traits to compare', () => {
    const patient = (identifier: Identifier): Patient => ({
      resourceType: 'Patient',
      identifier: [identifier],
    });
    expect(qualifiedIdKeys(patient(nhsIdentifier(verifiedNhsNumberExtension())))).toEqual([
      `${NHS_NUMBER_SYSTEM}|${NHS}|verified|`,
    ]);
    expect(qualifiedIdKeys(patient(nhsIdentifier(coded(ENGLAND, '02'))))).toEqual([]);
  });

  it('does not qualify an INS by an NHS status, nor an NHS number by an INS identity', () => {
    const patient = insPatient({
      identifier: [
        { system: NHS_NUMBER_SYSTEM, value: NHS },
        { system: INS_SYSTEM, value: INS, extension: [verifiedNhsNumberExtension()] },
      ],
      extension: [],
    });
    expect(qualifiedIdKeys(patient)).toEqual([]);
  });
});
