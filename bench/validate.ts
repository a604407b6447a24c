/**
 * FHIR validation benchmark: cost of the first validation (schema load + compile) and
 * throughput on 1,000 varied, realistic Patients, with and without parsing the JSON body.
 * Prints one JSON report. Run: npm run build && node dist/bench/validate.js
 */
import type { Patient } from 'fhir/r4';
import { FhirSchemaValidator, parseFhirJson } from '@passerelle/fhir';

const PATIENTS = 1_000;
const ROUNDS = 30;
const FAMILIES = ['Lefèvre', 'Nguyễn', 'Martin', 'Ben Saïd', 'Dupré', 'Kowalski'];
const GIVEN = ['Hélène', 'Zoë', 'Jean-Noël', 'Amélie', 'Maëlys', 'Karim'];

function patient(i: number): Patient {
  const pick = (list: string[]) => list[i % list.length];
  return {
    resourceType: 'Patient',
    id: `pat-${i}`,
    meta: { versionId: '1', lastUpdated: '2024-05-02T09:15:27.123+02:00' },
    identifier: [
      {
        use: 'official',
        system: 'urn:oid:1.2.250.1.213.1.4.8',
        value: `2800175${String(i).padStart(6, '0')}`,
      },
      { system: 'https://chu-lyon.example.fr/ipp', value: `IPP-${i}` },
    ],
    active: true,
    name: [{ use: 'official', family: pick(FAMILIES), given: [pick(GIVEN), 'Marie'] }],
    telecom: [{ system: 'phone', value: '+33 4 72 11 00 00', use: 'home' }],
    gender: i % 2 === 0 ? 'female' : 'male',
    birthDate: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
    address: [
      {
        use: 'home',
        line: [`${i}, rue de l’Église`],
        city: 'Saint-Étienne',
        postalCode: '42000',
        country: 'FR',
      },
    ],
    generalPractitioner: [{ reference: `Practitioner/gp-${i % 40}` }],
    managingOrganization: { reference: 'Organization/chu-lyon' },
  };
}

function millis(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function main(): void {
  const patients = Array.from({ length: PATIENTS }, (_, i) => patient(i));
  const bodies = patients.map((p) => JSON.stringify(p));
  const validator = new FhirSchemaValidator();

  let start = process.hrtime.bigint();
  const firstIssues = validator.validate(patients[0]).length;
  const firstValidationMs = millis(start);
  start = process.hrtime.bigint();
  validator.validate({ resourceType: 'Observation', status: 'final', code: { text: 'x' } });
  const nextTypeFirstValidationMs = millis(start);
  if (firstIssues > 0) throw new Error('benchmark Patient is invalid');

  const validateRounds: number[] = [];
  const parseRounds: number[] = [];
  const parseAndValidateRounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    start = process.hrtime.bigint();
    for (const p of patients) validator.validate(p);
    validateRounds.push(millis(start));
    start = process.hrtime.bigint();
    for (const body of bodies) parseFhirJson(body, { maxDepth: 64 });
    parseRounds.push(millis(start));
    start = process.hrtime.bigint();
    for (const body of bodies) validator.validate(parseFhirJson(body, { maxDepth: 64 }));
    parseAndValidateRounds.push(millis(start));
  }
  const validateMs = median(validateRounds);
  const parseMs = median(parseRounds);
  const round2 = (n: number) => Math.round(n * 100) / 100;
  console.log(
    JSON.stringify(
      {
        benchmark: 'fhir-validate',
        node: process.version,
        patients: PATIENTS,
        rounds: ROUNDS,
        firstValidationMs: round2(firstValidationMs),
        nextTypeFirstValidationMs: round2(nextTypeFirstValidationMs),
        validateMsPer1000: round2(validateMs),
        validationsPerSecond: Math.round((PATIENTS / validateMs) * 1000),
        parseFhirJsonMsPer1000: round2(parseMs),
        parseAndValidateMsPer1000: round2(median(parseAndValidateRounds)),
        ratioValidateToSafeParse: round2(validateMs / parseMs),
      },
      null,
      2,
    ),
  );
}

main();
