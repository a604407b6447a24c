import type { Address, MedicationRequest, Patient } from 'fhir/r4';
import type { RunView } from '@passerelle/mailroom';
import { TEST_ADMIN_TOKEN } from '@passerelle/testing';
import request from 'supertest';
import { binary, eventually, pdfText } from './letters-helpers';

/** What letters-care.e2e-spec.ts builds its patients, prescriptions and dates from; and a print run read back. */

export const HOME: Address = { line: ['8 rue Saint-Éloi'], postalCode: '59800', city: 'Lille' };
export const DAY = 24 * 3600_000;
export const LONG_TERM: Partial<MedicationRequest> = {
  courseOfTherapyType: { coding: [{ code: 'continuous' }] },
};
export const HIV = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' };

/** 13:30 UTC (14:30 in Paris in winter) `days` from now, never on the 1st (French "1er"). */
export function at(days: number): Date {
  const d = new Date(Date.now() + days * DAY);
  if (d.getUTCDate() === 1) d.setUTCDate(2);
  d.setUTCHours(13, 30, 0, 0);
  return d;
}

/** "14 décembre 2026" as the letter prints it (in Paris). */
export const frenchDay = (d: Date) =>
  new Intl.DateTimeFormat('fr-FR', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/Paris',
  }).format(d);

export function patient(mrn: string, family: string, extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'https://chu.example/mrn', value: mrn }],
    name: [{ given: ['Maëlle'], family }],
    ...extra,
  };
}

export function medication(
  patientId: string,
  text: string,
  extra: Partial<MedicationRequest> = {},
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    medicationCodeableConcept: { text },
    dosageInstruction: [
      {
        patientInstruction: '1 comprimé le matin',
        doseAndRate: [{ doseQuantity: { value: 1, unit: 'comprimé' } }],
      },
    ],
    authoredOn: new Date().toISOString().slice(0, 10),
    ...extra,
  };
}

/** Gathers the next print run through the admin API, waits until it is ready, returns its PDF's text. */
export async function printNextRun(hubUrl: string): Promise<string> {
  const bearer = `Bearer ${TEST_ADMIN_TOKEN}`;
  const created = (
    await request(hubUrl).post('/admin/mailroom/runs').set('authorization', bearer).expect(200)
  ).body as { run: RunView };
  const ready = await eventually(async () => {
    const run = (
      await request(hubUrl)
        .get(`/admin/mailroom/runs/${created.run.id}`)
        .set('authorization', bearer)
        .expect(200)
    ).body as RunView;
    return run.status === 'ready' ? run : undefined;
  }, 'the run');
  const pdf = await request(hubUrl)
    .get(`/admin/mailroom/runs/${ready.id}/pdf`)
    .set('authorization', bearer)
    .buffer(true)
    .parse(binary)
    .expect(200);
  return (await pdfText(pdf.body as Buffer)).text;
}
