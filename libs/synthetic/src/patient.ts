import type {
  ContactPoint,
  HumanName,
  Identifier,
  Patient,
  PatientContact,
  Practitioner,
  Reference,
} from 'fhir/r4';
import {
  birthPlace,
  GMC_SYSTEM,
  INS_NIR_SYSTEM,
  insNir,
  nirBirthplace,
  qualifiedInsIdentity,
  verifiedNhsNumber,
  localIdentifier,
  NHS_NUMBER_SYSTEM,
  nhsNumber,
  RPPS_SYSTEM,
  rppsNumber,
  gmcNumber,
} from './identifiers';
import {
  asciiSlug,
  birthDepartement,
  familyName,
  givenName,
  homeAddress,
  phoneNumber,
  type Sex,
} from './names';
import { hashSeed, Random } from './random';
import { addDays, addYears, REFERENCE_DATE } from './time';
import type { AgencyIdentity, Country } from './types';

/** Who the patient is, independent of any agency: the same (seed, index) is the same person everywhere. */
export interface Person {
  readonly gender: NonNullable<Patient['gender']>;
  readonly sex: Sex;
  readonly birthDate: string;
  /** Age in whole years on the reference date. */
  readonly age: number;
  readonly names: HumanName[];
  readonly displayName: string;
  readonly nationalId: Identifier;
  readonly patient: Omit<
    Patient,
    'resourceType' | 'identifier' | 'generalPractitioner' | 'managingOrganization'
  >;
}

const LANGUAGES: Readonly<Record<Country, { code: string; display: string }>> = {
  FR: { code: 'fr-FR', display: 'French (France)' },
  GB: { code: 'en-GB', display: 'English (United Kingdom)' },
};

const MARITAL = 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus';
const MARITAL_STATUSES: readonly (readonly [readonly [string, string], number])[] = [
  [['M', 'Married'], 50],
  [['S', 'Never Married'], 30],
  [['D', 'Divorced'], 12],
  [['W', 'Widowed'], 8],
];

/** Age bands of a general practice list, roughly. */
const AGE_BANDS: readonly (readonly [readonly [number, number], number])[] = [
  [[0, 17], 20],
  [[18, 44], 30],
  [[45, 64], 27],
  [[65, 95], 23],
];

export function createPerson(rng: Random, country: Country): Person {
  const gender = rng.weighted<Person['gender']>([
    ['female', 505],
    ['male', 490],
    ['other', 5],
  ]);
  const sex: Sex = gender === 'female' || gender === 'male' ? gender : rng.pick<Sex>(['female', 'male']);
  const [minAge, maxAge] = rng.weighted(AGE_BANDS);
  const age = rng.int(minAge, maxAge);
  const birthDate = rng.dateBetween(
    addDays(addYears(REFERENCE_DATE, -(age + 1)), 1),
    addYears(REFERENCE_DATE, -age),
  );

  const given = givenName(rng, country, sex);
  const birthFamily = familyName(rng, country);
  const second = rng.chance(country === 'FR' ? 0.6 : 0.4) ? givenName(rng, country, sex) : undefined;
  const givens = second !== undefined && second !== given ? [given, second] : [given];
  const married = sex === 'female' && age >= 22 && rng.chance(0.35);
  const spouseFamily = married ? familyName(rng, country) : undefined;
  const names = personNames(country, givens, birthFamily, spouseFamily);
  const currentFamily = country === 'GB' && spouseFamily !== undefined ? spouseFamily : birthFamily;

  const { address, district } = homeAddress(rng, country);
  const telecom: ContactPoint[] = [
    { system: 'phone', value: phoneNumber(rng, country, 'mobile'), use: 'mobile', rank: 1 },
  ];
  if (rng.chance(0.4))
    telecom.push({ system: 'phone', value: phoneNumber(rng, country, 'landline'), use: 'home' });
  if (age >= 16 && rng.chance(0.6)) {
    const email = `${asciiSlug(given)}.${asciiSlug(currentFamily)}${rng.int(1, 99)}@example.net`;
    telecom.push({ system: 'email', value: email, use: 'home' });
  }

  // Every agency records the person on a qualified identity with the same traits, so that the
  // hub links their records: a qualified INS and its birthplace, or a verified NHS number.
  const nationalId: Identifier =
    country === 'FR'
      ? {
          use: 'official',
          system: INS_NIR_SYSTEM,
          value: insNir(rng, sex === 'male' ? '1' : '2', birthDate, birthDepartement(rng, district)),
        }
      : {
          use: 'official',
          system: NHS_NUMBER_SYSTEM,
          value: nhsNumber(rng),
          extension: [verifiedNhsNumber()],
        };

  const patient: Person['patient'] = {
    ...(country === 'FR'
      ? { extension: [qualifiedInsIdentity(), birthPlace(nirBirthplace(nationalId.value ?? ''))] }
      : {}),
    active: true,
    name: names,
    telecom,
    gender,
    birthDate,
    address: [address],
    communication: [
      { language: { coding: [{ system: 'urn:ietf:bcp:47', ...LANGUAGES[country] }] }, preferred: true },
    ],
  };
  if (age >= 18) {
    const [code, display] = rng.weighted(MARITAL_STATUSES);
    patient.maritalStatus = {
      coding: [
        {
          system: MARITAL,
          code: spouseFamily !== undefined ? 'M' : code,
          display: spouseFamily !== undefined ? 'Married' : display,
        },
      ],
    };
  }
  if (age < 18 || rng.chance(0.5))
    patient.contact = [emergencyContact(rng, country, age < 18 ? birthFamily : undefined)];

  return {
    gender,
    sex,
    birthDate,
    age,
    names,
    displayName: `${givens[0]} ${currentFamily}`,
    nationalId,
    patient,
  };
}

/**
 * FR: the official name is the birth name (as in the INS), a married name is the usual one.
 * GB: the official name is the current one, a birth name is kept as maiden.
 */
function personNames(
  country: Country,
  givens: string[],
  birthFamily: string,
  spouseFamily: string | undefined,
): HumanName[] {
  if (country === 'FR') {
    const names: HumanName[] = [{ use: 'official', family: birthFamily, given: givens }];
    if (spouseFamily !== undefined) names.push({ use: 'usual', family: spouseFamily, given: [givens[0]] });
    return names;
  }
  if (spouseFamily === undefined) return [{ use: 'official', family: birthFamily, given: givens }];
  return [
    { use: 'official', family: spouseFamily, given: givens },
    { use: 'maiden', family: birthFamily, given: givens },
  ];
}

function emergencyContact(rng: Random, country: Country, family: string | undefined): PatientContact {
  const sex = rng.pick<Sex>(['female', 'male']);
  return {
    relationship: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v2-0131',
            code: 'C',
            display: 'Emergency Contact',
          },
        ],
      },
    ],
    name: { family: family ?? familyName(rng, country), given: [givenName(rng, country, sex)] },
    telecom: [{ system: 'phone', value: phoneNumber(rng, country, 'mobile'), use: 'mobile' }],
  };
}

export interface PatientLinks {
  readonly agency: AgencyIdentity;
  readonly mrn: string;
  readonly organization: Reference;
  readonly generalPractitioner: Reference[];
}

/** The person as the agency records them: its MRN first (the key of conditional writes). */
export function patientResource(person: Person, links: PatientLinks): Patient {
  const mrn: Identifier = {
    use: 'usual',
    type: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v2-0203',
          code: 'MR',
          display: 'Medical record number',
        },
      ],
    },
    ...localIdentifier(links.agency, 'mrn', links.mrn),
  };
  return {
    resourceType: 'Patient',
    identifier: [mrn, structuredClone(person.nationalId)],
    ...structuredClone(person.patient),
    generalPractitioner: links.generalPractitioner,
    managingOrganization: links.organization,
  };
}

/** Size of each agency's staff: a population shares these practitioners. */
export const PRACTITIONERS_PER_AGENCY = 25;

/** Practitioner number `slot` of an agency: the same resource whichever patient it appears with. */
export function practitionerResource(agency: AgencyIdentity, country: Country, slot: number): Practitioner {
  const rng = new Random(hashSeed('practitioner', agency.id, slot));
  const gender = rng.pick<Sex>(['female', 'male']);
  const given = givenName(rng, country, gender);
  const family = familyName(rng, country);
  const national: Identifier =
    country === 'FR'
      ? { system: RPPS_SYSTEM, value: rppsNumber(rng) }
      : { system: GMC_SYSTEM, value: gmcNumber(rng) };
  const telecom: ContactPoint[] = [
    { system: 'email', value: `${asciiSlug(given)}.${asciiSlug(family)}@${hostOf(agency)}`, use: 'work' },
  ];
  const phone = agency.organization.telecom?.find((t) => t.system === 'phone')?.value;
  if (phone !== undefined) telecom.push({ system: 'phone', value: phone, use: 'work' });
  return {
    resourceType: 'Practitioner',
    identifier: [localIdentifier(agency, 'practitioner', `PR${String(slot + 1).padStart(4, '0')}`), national],
    active: true,
    name: [{ use: 'official', family, given: [given], prefix: ['Dr'] }],
    telecom,
    gender,
    qualification: [
      {
        code: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v2-0360',
              code: 'MD',
              display: 'Doctor of Medicine',
            },
          ],
        },
      },
    ],
  };
}

function hostOf(agency: AgencyIdentity): string {
  const match = /^https?:\/\/([^/:]+)/.exec(agency.identifierSystem);
  return match?.[1] ?? 'example.org';
}

export function practitionerName(practitioner: Practitioner): string {
  const name = practitioner.name?.[0];
  return ['Dr', name?.given?.[0], name?.family].filter((part) => part !== undefined).join(' ');
}
