import type {
  Appointment,
  Encounter,
  Location,
  MedicationRequest,
  Patient,
  Practitioner,
  Resource,
} from 'fhir/r4';
import { type LetterView, ONLINE_ACCOUNT_EXTENSION, type RunView } from '@passerelle/mailroom';
import { ADMIN_TOKEN, SyncStack } from '../faults/stack';
import { pdfText } from './letters-helpers';

/**
 * The demo's agencies as processes (the sandbox hospital's FHIR server, its connector, the GP's,
 * the hub routing and running the mailroom in its process on PGlite): the hospital books an
 * appointment and discharges a patient with medicines in its own server; its connector pushes
 * them; the letters appear in the next print run, read back from the PDF (date, place, medicines;
 * the medicine labelled HIV absent), and a patient with an online account gets Communications.
 * Needs `npm run build`.
 */

const DAY = 24 * 3600_000;
const HIV = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' };
const LONG_TERM = { coding: [{ code: 'continuous' }] };

/** 08:15 UTC (09:15 in Paris in winter) `days` from now, never on the 1st (French "1er"). */
function at(days: number): Date {
  const d = new Date(Date.now() + days * DAY);
  if (d.getUTCDate() === 1) d.setUTCDate(2);
  d.setUTCHours(8, 15, 0, 0);
  return d;
}

const frenchDay = (d: Date) =>
  new Intl.DateTimeFormat('fr-FR', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/Paris',
  }).format(d);

describe('appointment and medicines letters from the sandbox hospital, through its connector', () => {
  const stack = new SyncStack({
    hubStore: 'pglite',
    redis: 'none',
    seedPatients: 2,
    connectorEnv: {
      hospital: {
        PUBLISH_TYPES:
          'Patient,Practitioner,Location,Encounter,Observation,Procedure,DiagnosticReport,DocumentReference,Composition,MedicationRequest,Appointment',
      },
    },
  });
  beforeAll(() => stack.start(), 180_000);
  afterAll(() => stack.close(), 60_000);

  const system = (what: string) => `${stack.hospital.identity.identifierSystem}/${what}`;
  const admin = <T>(path: string, method = 'GET') => stack.hubJson<T>(path, 'admin', { method });
  const put = async <T extends Resource & { id?: string }>(resource: T): Promise<T> => {
    const res = await fetch(`${stack.hospital.baseUrl}/${resource.resourceType}/${resource.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(resource),
    });
    if (res.status !== 200) throw new Error(`hospital update ${resource.resourceType}: ${res.status}`);
    return (await res.json()) as T;
  };
  const letters = async (kind: string) =>
    (await admin<{ items: LetterView[] }>(`/admin/mailroom/letters?kind=${kind}`)).items;

  it('prints the appointment and discharge letters of the next run; an account gets Communications', async () => {
    const [paper, online] = [await stack.hospitalPatient(0), await stack.hospitalPatient(1)];
    // Patient #1 has an online account (the hospital's portal): told online.
    const record = (await (await fetch(`${stack.hospital.baseUrl}/Patient/${online}`)).json()) as Patient;
    await put<Patient>({
      ...record,
      extension: [...(record.extension ?? []), { url: ONLINE_ACCOUNT_EXTENSION, valueBoolean: true }],
    });

    const doctor = await stack.writeAtHospital<Practitioner>({
      resourceType: 'Practitioner',
      identifier: [{ system: system('practitioner'), value: 'CARDIO-1' }],
      name: [{ prefix: ['Dr'], given: ['Claire'], family: 'Martin' }],
    });
    const place = await stack.writeAtHospital<Location>({
      resourceType: 'Location',
      identifier: [{ system: system('location'), value: 'ICP-2' }],
      name: 'Institut Cœur Poumon, 2e étage',
      address: { line: ['Boulevard du Professeur Jules Leclercq'], postalCode: '59000', city: 'Lille' },
      description: 'Métro ligne 1, arrêt CHU – Eurasanté.',
      telecom: [{ system: 'phone', value: '03 20 44 59 62' }],
    });
    const when = at(20);
    const book = (patient: string, label: string) =>
      stack.writeAtHospital<Appointment>({
        resourceType: 'Appointment',
        identifier: [{ system: system('appointment'), value: label }],
        status: 'booked',
        start: when.toISOString(),
        end: new Date(when.getTime() + 30 * 60_000).toISOString(),
        serviceType: [{ text: 'Consultation de cardiologie' }],
        patientInstruction: 'Apportez votre carte Vitale.',
        participant: [
          { actor: { reference: `Patient/${patient}` }, status: 'accepted' },
          { actor: { reference: `Practitioner/${doctor.id}` }, status: 'accepted' },
          { actor: { reference: `Location/${place.id}` }, status: 'accepted' },
        ],
      });
    await book(paper, 'RDV-PAPER');
    await book(online, 'RDV-ONLINE');

    // A stay that ended today, with the medicines the patient leaves with (one labelled HIV).
    const stay = await stack.writeAtHospital<Encounter>({
      resourceType: 'Encounter',
      identifier: [{ system: stack.encounterSystem, value: 'STAY-LETTERS' }],
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: `Patient/${paper}` },
      period: { start: new Date(Date.now() - 4 * DAY).toISOString(), end: new Date().toISOString() },
    });
    const prescribe = (label: string, text: string, extra: Partial<MedicationRequest> = {}) =>
      stack.writeAtHospital<MedicationRequest>({
        resourceType: 'MedicationRequest',
        identifier: [{ system: system('prescription'), value: label }],
        status: 'active',
        intent: 'order',
        subject: { reference: `Patient/${paper}` },
        encounter: { reference: `Encounter/${stay.id}` },
        medicationCodeableConcept: { text },
        courseOfTherapyType: LONG_TERM,
        dosageInstruction: [{ patientInstruction: '1 comprimé le matin et 1 le soir' }],
        authoredOn: new Date().toISOString(),
        ...extra,
      });
    await prescribe('RX-1', 'Bisoprolol 2,5 mg');
    await prescribe('RX-2', 'Furosémide 40 mg');
    await prescribe('RX-3', 'Dolutégravir 50 mg', { meta: { security: [HIV] } });

    await stack.processes.until('the letters', async () => {
      const [appointments, medicines] = [await letters('appointment'), await letters('medicines')];
      return (
        appointments.some((l) => l.status === 'pending') &&
        appointments.some((l) => l.status === 'digital') &&
        medicines.some((l) => l.status === 'pending')
      );
    });
    // One medicines letter however many prescriptions came with the discharge.
    expect((await letters('medicines')).filter((l) => l.status !== 'cancelled')).toHaveLength(1);
    const digital = (await letters('appointment')).find((l) => l.status === 'digital');
    const notice = await stack.hubJson<{
      recipient?: { reference?: string }[];
      payload?: { contentString?: string }[];
    }>(`/fhir/Communication/${digital?.communicationId}`, 'hospital');
    expect(notice.payload?.[0]?.contentString).toMatch(/a pris un rendez-vous pour vous/);

    const { run } = await admin<{ run: RunView }>('/admin/mailroom/runs', 'POST');
    await stack.processes.until(
      'the print run',
      async () => (await admin<RunView>(`/admin/mailroom/runs/${run.id}`)).status === 'ready',
    );
    const pdf = await fetch(`${stack.hub.url}/admin/mailroom/runs/${run.id}/pdf`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const { text } = await pdfText(new Uint8Array(await pdf.arrayBuffer()));
    expect(text).toContain(`${frenchDay(when)} à 09:15`);
    expect(text).toContain(
      'Institut Cœur Poumon, 2e étage, Boulevard du Professeur Jules Leclercq, 59000 Lille',
    );
    expect(text).toContain('Qui vous verrez : Dr Claire Martin');
    expect(text).toContain('Bisoprolol 2,5 mg');
    expect(text).toContain('Furosémide 40 mg');
    expect(text).toContain('1 comprimé le matin et 1 le soir');
    expect(text).not.toContain('Dolutégravir');
    expect(text).toContain('Certains de vos médicaments ne figurent pas ici');
  }, 180_000);
});
