import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Appointment, Bundle, Communication, Encounter, Parameters, Resource } from 'fhir/r4';
import {
  CONTACT_PREFERENCE_EXTENSION,
  type LetterView,
  ONLINE_ACCOUNT_EXTENSION,
  type RunView,
} from '@passerelle/mailroom';
import {
  registerAgency,
  STORE_KINDS,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestHub,
} from '@passerelle/testing';
import request from 'supertest';
import {
  at,
  DAY,
  frenchDay,
  HIV,
  HOME,
  LONG_TERM,
  medication,
  patient,
  printNextRun,
} from './letters-care-fixtures';
import { eventually } from './letters-helpers';

/**
 * Appointment and medicines letters on a real hub, through the FHIR API and the mailroom's admin
 * API: a hospital books, moves and cancels appointments and discharges a patient with medicines;
 * the patient without an account gets one letter per appointment and one medicines letter in the
 * next print run (the PDF read back: date, place, medicines; the HIV medicine absent), the patient
 * with an account gets Communications, an appointment too close for the post is flagged in the
 * hospital's feed, and each printed letter is in the patient's access report.
 */

const FHIR_JSON = 'application/fhir+json';
type Agent = ReturnType<typeof request.agent>;
describe.each(STORE_KINDS)('appointment and medicines letters on a real hub (%s)', (kind) => {
  let hub: TestHub;
  let chu: Agent;
  let chuPatrqt: Agent;
  const ids: Record<string, string> = {};
  let movedTo = new Date(0);
  const outputDir = mkdtempSync(join(tmpdir(), 'passerelle-care-letters-'));
  const bearer = `Bearer ${TEST_ADMIN_TOKEN}`;
  const admin = {
    get: (path: string) => request(hub.url).get(path).set('authorization', bearer),
    post: (path: string) => request(hub.url).post(path).set('authorization', bearer),
  };
  const write = async <T extends Resource>(resource: T, id?: string): Promise<string> => {
    const res = await (
      id
        ? chu.put(`/fhir/${resource.resourceType}/${id}`).send({ ...resource, id })
        : chu.post(`/fhir/${resource.resourceType}`).send(resource)
    ).set('content-type', FHIR_JSON);
    if (res.status !== 200 && res.status !== 201)
      throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { id: string }).id;
  };
  const lettersOf = async (patientId: string, kind: string) =>
    (
      (await admin.get(`/admin/mailroom/letters?patient=${patientId}&kind=${kind}`).expect(200)).body as {
        items: LetterView[];
      }
    ).items;
  const appointment = (patients: string[], start: Date, extra: Partial<Appointment> = {}): Appointment => ({
    resourceType: 'Appointment',
    identifier: [
      { system: 'https://chu.example/rdv', value: `RDV-${start.getTime()}-${patients.join('-')}` },
    ],
    status: 'booked',
    start: start.toISOString(),
    end: new Date(start.getTime() + 30 * 60_000).toISOString(),
    serviceType: [{ text: 'Consultation de cardiologie' }],
    patientInstruction: 'Apportez votre carte Vitale et vos derniers résultats.',
    participant: [
      ...patients.map((p) => ({ actor: { reference: `Patient/${p}` }, status: 'accepted' as const })),
      { actor: { reference: `Practitioner/${ids.doctor}` }, status: 'accepted' },
      { actor: { reference: `Location/${ids.place}` }, status: 'accepted' },
    ],
    ...extra,
  });

  beforeAll(async () => {
    hub = await startTestHub(kind, {
      env: { MAILROOM_DIR: outputDir, MAILROOM_POLL_INTERVAL_MS: '50', SYNC_POLL_INTERVAL_MS: '20' },
    });
    const agency = await registerAgency(hub, { id: 'chu', kind: 'hospital' });
    chu = request.agent(hub.url).set('authorization', `Bearer ${await agency.token()}`);
    chuPatrqt = request
      .agent(hub.url)
      .set('authorization', `Bearer ${await agency.token({ purposeOfUse: 'PATRQT' })}`);
    ids.paper = await write(patient('C-1', 'Le Gall', { address: [HOME] }));
    ids.online = await write(
      patient('C-2', 'Morvan', {
        address: [HOME],
        extension: [{ url: ONLINE_ACCOUNT_EXTENSION, valueBoolean: true }],
      }),
    );
    // Shares an appointment with the first; no address, so its own letter is held, never printed.
    ids.other = await write(patient('C-3', 'Kerbrat-Autre'));
    ids.asked = await write(
      patient('C-4', 'Quéméner', {
        address: [HOME],
        extension: [{ url: CONTACT_PREFERENCE_EXTENSION, valueCode: 'sensitive-by-post' }],
      }),
    );
    ids.doctor = await write({
      resourceType: 'Practitioner',
      name: [{ prefix: ['Dr'], given: ['Claire'], family: 'Martin' }],
    });
    ids.place = await write({
      resourceType: 'Location',
      name: 'Institut Cœur Poumon',
      address: { line: ['Boulevard du Professeur Jules Leclercq'], postalCode: '59000', city: 'Lille' },
      description: 'Métro ligne 1, arrêt CHU – Eurasanté.',
      telecom: [{ system: 'phone', value: '03 20 44 59 62' }],
    });
  });
  afterAll(async () => {
    await hub?.close();
    rmSync(outputDir, { recursive: true, force: true });
  });

  it('books, moves and cancels appointments, discharges with medicines: one letter each in the next run, read back', async () => {
    // Booked in three weeks, then moved before any letter went: one booking letter, at the new time.
    const first = at(21);
    const moved = at(24);
    movedTo = moved;
    ids.appointment = await write(appointment([ids.paper], first));
    await write(appointment([ids.paper], moved), ids.appointment);
    // Booked and cancelled before any letter went: nothing to tell.
    const cancelled = await write(appointment([ids.paper], at(30)));
    await write(appointment([ids.paper], at(30), { status: 'cancelled' }), cancelled);
    // Two patients at one appointment: each letter about its own patient.
    await write(appointment([ids.paper, ids.other], at(22)));

    // A stay, prescriptions during it (one labelled HIV), then the discharge.
    const stay: Encounter = {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: `Patient/${ids.paper}` },
      period: { start: new Date(Date.now() - 3 * DAY).toISOString() },
    };
    const stayId = await write(stay);
    const during = { encounter: { reference: `Encounter/${stayId}` } };
    await write(medication(ids.paper, 'Bisoprolol 2,5 mg', during));
    await write(medication(ids.paper, 'Ténofovir 245 mg', { ...during, meta: { security: [HIV] } }));
    await write(
      { ...stay, status: 'finished', period: { ...stay.period, end: new Date().toISOString() } },
      stayId,
    );
    // The same day, a long-term medicine starts: the same letter.
    ids.amlodipine = await write(medication(ids.paper, 'Amlodipine 5 mg', LONG_TERM));

    const appointments = await eventually(async () => {
      const all = await lettersOf(ids.paper, 'appointment');
      const open = all.filter((l) => l.status !== 'cancelled');
      return open.length === 2 && open.every((l) => l.status === 'pending') ? all : undefined;
    }, 'two appointment letters');
    // The first letter (old time) was cancelled unprinted: one letter, at the new time.
    // The cancelled appointment's own booking letter was cancelled unprinted, and nothing replaced it.
    expect(appointments.map((l) => l.status).sort()).toEqual([
      'cancelled',
      'cancelled',
      'pending',
      'pending',
    ]);
    const [medicines, ...more] = await eventually(async () => {
      const all = await lettersOf(ids.paper, 'medicines');
      return all.length > 0 && all.every((l) => l.status === 'pending') ? all : undefined;
    }, 'the medicines letter');
    expect(more).toEqual([]);
    const [otherLetter] = await eventually(async () => {
      const all = await lettersOf(ids.other, 'appointment');
      return all.some((l) => l.status === 'held') ? all : undefined;
    }, 'the other patient’s held letter');
    expect(otherLetter.heldReason).toBe('no-address');

    const text = await printNextRun(hub.url);
    expect(text).toContain('Votre rendez-vous');
    expect(text).toContain(`${frenchDay(moved)} à 14:30`);
    expect(text).not.toContain(frenchDay(first));
    expect(text).toContain('Institut Cœur Poumon, Boulevard du Professeur Jules Leclercq, 59000 Lille');
    expect(text).toContain('Métro ligne 1, arrêt CHU – Eurasanté.');
    expect(text).toContain('Qui vous verrez : Dr Claire Martin');
    expect(text).toContain('Apportez votre carte Vitale');
    expect(text).toContain('Appelez Test agency chu au 03 20 44 59 62');
    expect(text).toContain('Vos médicaments');
    expect(text).toContain('Vous êtes sorti(e) de Test agency chu.');
    expect(text).toContain('Bisoprolol 2,5 mg');
    expect(text).toContain('Amlodipine 5 mg');
    expect(text).toContain('Quand : 1 comprimé le matin');
    expect(text).not.toContain('Ténofovir');
    expect(text).toContain('Certains de vos médicaments ne figurent pas ici');
    expect(text).toContain(medicines.reference);
    // Never another person's data: the other patient of the shared appointment is not named.
    expect(text).not.toContain('Kerbrat');

    // Each printed letter is a disclosure to the patient, in the patient's access report.
    const report = (await chuPatrqt.get(`/fhir/Patient/${ids.paper}/$access-report`).expect(200))
      .body as Parameters;
    const letters = (report.parameter ?? [])
      .filter((p) => p.name === 'access')
      .map((p) =>
        Object.fromEntries((p.part ?? []).map((x) => [x.name, x.valueCode ?? x.valueReference?.reference])),
      )
      .filter((p) => p.interaction === 'letter');
    expect(letters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          purposeOfUse: 'PATRQT',
          resourceType: 'Appointment',
          agency: 'Organization/hub',
        }),
        expect.objectContaining({ purposeOfUse: 'PATRQT', resourceType: 'MedicationRequest' }),
      ]),
    );
    expect(letters).toHaveLength(3);
  });

  it('prints a sensitive medicine for a patient who asked for it by post', async () => {
    await write(
      medication(ids.asked, 'Ténofovir 245 mg', {
        meta: { security: [HIV] },
        courseOfTherapyType: { coding: [{ code: 'continuous' }] },
      }),
    );
    await eventually(async () => {
      const all = await lettersOf(ids.asked, 'medicines');
      return all.some((l) => l.status === 'pending') ? all : undefined;
    }, 'the letter');
    const text = await printNextRun(hub.url);
    expect(text).toContain('Ténofovir 245 mg');
    expect(text).not.toContain('ne figurent pas ici');
  });

  it('the next letters: medicines new and to stop since the last one; an appointment the patient knew of is cancelled', async () => {
    // The earlier letters went out.
    for (const run of ((await admin.get('/admin/mailroom/runs').expect(200)).body as { items: RunView[] })
      .items)
      if (run.status === 'ready') await admin.post(`/admin/mailroom/runs/${run.id}/printed`).expect(200);
    const amlodipine = medication(ids.paper, 'Amlodipine 5 mg', LONG_TERM);
    await write({ ...amlodipine, status: 'stopped' }, ids.amlodipine);
    await write(medication(ids.paper, 'Atorvastatine 20 mg', LONG_TERM));
    await eventually(async () => {
      const all = await lettersOf(ids.paper, 'medicines');
      return all.some((l) => l.status === 'pending') ? all : undefined;
    }, 'the second medicines letter');
    // The appointment the patient was told of is deleted: they are told it is cancelled.
    await chu.delete(`/fhir/Appointment/${ids.appointment}`).expect(200);
    await eventually(async () => {
      const all = await lettersOf(ids.paper, 'appointment');
      return all.some((l) => l.status === 'pending') ? all : undefined;
    }, 'the cancellation letter');
    const text = await printNextRun(hub.url);
    expect(text).toContain('Votre traitement au long cours a changé.');
    expect(text).toContain('Atorvastatine 20 mg (Nouveau)');
    expect(text).toContain('Bisoprolol 2,5 mg Combien');
    expect(text).toContain('Les médicaments à arrêter');
    expect(text).toContain('Amlodipine 5 mg (arrêté par Test agency chu)');
    expect(text).toContain('Votre rendez-vous est annulé');
    expect(text).toContain(`${frenchDay(movedTo)} à 14:30`);
    expect(text).not.toContain('Ténofovir');
  });

  it('tells a patient with an account by Communication, and flags an appointment too close for the post in the hospital’s feed', async () => {
    const soon = at(2);
    const booked = await write(appointment([ids.online], at(15)));
    const [digital] = await eventually(async () => {
      const all = await lettersOf(ids.online, 'appointment');
      return all.length > 0 && all[0].status === 'digital' ? all : undefined;
    }, 'the online notice');
    const notice = (await chu.get(`/fhir/Communication/${digital.communicationId}`).expect(200))
      .body as Communication;
    expect(notice.recipient).toEqual([{ reference: `Patient/${ids.online}` }]);
    expect(notice.about).toEqual([{ reference: `Appointment/${booked}` }]);
    expect(notice.payload?.[0]?.contentString).toMatch(/a pris un rendez-vous pour vous/);

    // Two medicine changes the same day: one notice, updated (one Communication per person and day).
    const first = await write(medication(ids.online, 'Metformine 500 mg', LONG_TERM));
    await eventually(async () => {
      const all = await lettersOf(ids.online, 'medicines');
      return all.length === 1 && all[0].status === 'digital' ? all : undefined;
    }, 'the first online medicines notice');
    await write({ ...medication(ids.online, 'Metformine 1000 mg', LONG_TERM), id: first }, first);
    const told = await eventually(async () => {
      const all = await lettersOf(ids.online, 'medicines');
      return all.length === 2 && all.every((l) => l.status === 'digital') ? all : undefined;
    }, 'two online medicines notices');
    expect(new Set(told.map((l) => l.communicationId)).size).toBe(1);
    const daily = (await chu.get(`/fhir/Communication/${told[0].communicationId}`).expect(200))
      .body as Communication;
    expect(daily.payload?.[0]?.contentString).toMatch(/La liste de vos médicaments a changé le/);
    expect(daily.payload?.[0]?.contentString).not.toMatch(/Metformine/);

    // By post, two days away: the hospital is told in its feed that the letter may arrive late.
    await write(appointment([ids.paper], soon));
    const late = await eventually(async () => {
      const feed = (await chu.get('/fhir/$changes').expect(200)).body as Bundle;
      return (feed.entry ?? [])
        .map((e) => e.resource as Communication | undefined)
        .find(
          (c) =>
            c?.resourceType === 'Communication' && c.topic?.coding?.[0]?.code === 'letter-may-arrive-late',
        );
    }, 'the late-letter flag in the feed');
    // The only appointment this close: the flag is about it, named by the hospital's own identifier.
    expect(late.about?.[0]?.reference).toBe(
      `Appointment?identifier=${encodeURIComponent('https://chu.example/rdv')}|RDV-${soon.getTime()}-${ids.paper}`,
    );
    expect(late.payload?.[0]?.contentString).toMatch(/risque d’arriver après la date/);
  });

  it('stores Appointment: searchable by patient (participant.actor), hidden from an agency without a care relationship', async () => {
    const found = (await chu.get(`/fhir/Appointment?patient=${ids.paper}`).expect(200)).body as Bundle;
    // The cancelled one, the shared one, the close one (the moved one was deleted).
    expect((found.entry ?? []).length).toBe(3);
    const stranger = await registerAgency(hub, { id: 'clinique', kind: 'specialist' });
    const other = request.agent(hub.url).set('authorization', `Bearer ${await stranger.token()}`);
    const hidden = (await other.get(`/fhir/Appointment?patient=${ids.paper}`).expect(200)).body as Bundle;
    expect(hidden.entry ?? []).toEqual([]);
    await other.get(`/fhir/Appointment/${ids.appointment}`).expect(404);
  });

  it('a referral given a time is an appointment letter; a sensitive appointment keeps when and where, not what for', async () => {
    const referral = at(40);
    await write({
      resourceType: 'ServiceRequest',
      identifier: [{ system: 'https://chu.example/dem', value: 'DEM-1' }],
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${ids.paper}` },
      code: { text: 'Consultation de rhumatologie' },
      occurrenceDateTime: referral.toISOString(),
      performer: [{ reference: `Practitioner/${ids.doctor}` }],
      locationReference: [{ reference: `Location/${ids.place}` }],
      patientInstruction: 'Apportez vos radiographies.',
    });
    const sensitive = at(41);
    await write(
      appointment([ids.paper], sensitive, {
        meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }] },
        serviceType: [{ text: 'Consultation de psychiatrie' }],
        patientInstruction: 'Apportez votre ordonnance de psychiatrie.',
      }),
    );
    await eventually(async () => {
      const all = await lettersOf(ids.paper, 'appointment');
      // These two, and the one for two days from now, never printed.
      return all.filter((l) => l.status === 'pending').length === 3 ? all : undefined;
    }, 'three appointment letters');
    const text = await printNextRun(hub.url);
    expect(text).toContain(`${frenchDay(referral)} à 14:30`);
    expect(text).toContain('Pour quoi : Consultation de rhumatologie');
    expect(text).toContain('Apportez vos radiographies.');
    expect(text).toContain(`${frenchDay(sensitive)} à 14:30`);
    expect(text).toContain('Institut Cœur Poumon');
    expect(text).not.toContain('psychiatrie');
  });
});
