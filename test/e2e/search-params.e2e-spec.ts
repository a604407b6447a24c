import type { Bundle, BundleEntry, Observation, Patient } from 'fhir/r4';
import { registerAgency, STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';
import request from 'supertest';

/**
 * Every parameter type of the R4 definitions, end to end: the write path indexes, the search
 * matches, and what is malformed or unknown is a 400 naming it.
 */
const FHIR_JSON = 'application/fhir+json';
const MRN = 'https://gp.example.org/mrn';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

const ids = (b: Bundle) =>
  (b.entry ?? [])
    .filter((e: BundleEntry) => e.search?.mode === 'match')
    .map((e) => e.resource?.id)
    .sort();

describe.each(STORE_KINDS)('search parameters on %s', (kind) => {
  let hub: TestHub;
  let api: ReturnType<typeof request.agent>;
  const p: Record<string, string> = {};
  const o: Record<string, string> = {};

  const post = async (body: object): Promise<string> =>
    (
      await api
        .post(`/fhir/${(body as { resourceType: string }).resourceType}`)
        .set('content-type', FHIR_JSON)
        .send(body)
        .expect(201)
    ).body.id as string;
  const search = async (query: string, status = 200) =>
    (await api.get(`/fhir/${query}`).expect(status)).body as Bundle;

  beforeAll(async () => {
    hub = await startTestHub(kind);
    const agency = await registerAgency(hub, { id: 'gp-a' });
    api = request.agent(hub.url).set('authorization', `Bearer ${await agency.token()}`);
    const patients: [string, Patient][] = [
      [
        'helene',
        {
          resourceType: 'Patient',
          name: [{ family: 'Dupont', given: ['Hélène'] }],
          birthDate: '1980-03-15',
          gender: 'female',
          identifier: [
            {
              system: MRN,
              value: 'H-1',
              type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
            },
          ],
          telecom: [{ system: 'phone', value: '+33 1 23 45 67 89' }],
          address: [{ city: 'Saint-Étienne', postalCode: '42000' }],
        },
      ],
      [
        'oconnor',
        {
          resourceType: 'Patient',
          name: [{ family: "O'Connor", given: ['Sean'] }],
          birthDate: '1955',
          gender: 'male',
          deceasedDateTime: '2020-01-02',
        },
      ],
      [
        'dupontel',
        {
          resourceType: 'Patient',
          name: [{ family: 'Dupontel', given: ['Albert'] }],
          birthDate: '2001-12-31',
        },
      ],
    ];
    for (const [key, patient] of patients) p[key] = await post(patient);
    const obs = (key: string, patient: string, code: string, value: number, when: string): Observation => ({
      resourceType: 'Observation',
      status: key === 'prelim' ? 'preliminary' : 'final',
      code: { coding: [{ system: LOINC, code, display: code === '8867-4' ? 'Heart rate' : 'Glucose' }] },
      subject: { reference: `Patient/${patient}` },
      effectiveDateTime: when,
      valueQuantity: {
        value,
        unit: code === '8867-4' ? 'beats/minute' : 'mmol/L',
        system: UCUM,
        code: code === '8867-4' ? '/min' : 'mmol/L',
      },
    });
    o.hr = await post(obs('hr', p.helene, '8867-4', 72, '2024-01-10T08:00:00Z'));
    o.glucose = await post(obs('glucose', p.helene, '2339-0', 5.4, '2024-02-10T08:00:00Z'));
    o.prelim = await post(obs('prelim', p.oconnor, '2339-0', 7.1, '2023-06-01'));
  });
  afterAll(() => hub.close());

  it.each([
    ['Patient?family=dupont', ['helene', 'dupontel']],
    ['Patient?family:exact=Dupont', ['helene']],
    ['Patient?family:contains=ONTE', ['dupontel']],
    ['Patient?given=helene', ['helene']],
    ['Patient?name=oconnor', ['oconnor']],
    ['Patient?address-city=saint etienne', ['helene']],
    ['Patient?address-postalcode=42', ['helene']],
  ])('string: %s', async (query, expected) => {
    expect(ids(await search(query))).toEqual(expected.map((k) => p[k]).sort());
  });

  it.each([
    ['Patient?gender=female', ['helene']],
    ['Patient?gender:not=female', ['oconnor', 'dupontel']],
    [`Patient?identifier=${MRN}|H-1`, ['helene']],
    ['Patient?identifier=|H-1', []],
    [`Patient?identifier=${MRN}|`, ['helene']],
    [`Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|H-1`, ['helene']],
    [`Patient?phone=${encodeURIComponent('+33 1 23 45 67 89')}`, ['helene']],
    ['Patient?deceased=true', ['oconnor']],
    ['Patient?identifier:missing=true', ['oconnor', 'dupontel']],
    ['Patient?birthdate:missing=false', ['helene', 'oconnor', 'dupontel']],
  ])('token: %s', async (query, expected) => {
    expect(ids(await search(query))).toEqual(expected.map((k) => p[k]).sort());
  });

  it.each([
    ['Patient?birthdate=1980', ['helene']],
    ['Patient?birthdate=1980-03-15', ['helene']],
    ['Patient?birthdate=lt1980', ['oconnor']],
    ['Patient?birthdate=ge1980-03-15', ['helene', 'dupontel']],
    ['Patient?birthdate=gt1980-03-15', ['dupontel']],
    ['Patient?birthdate=le1955-06', ['oconnor']],
    ['Patient?birthdate=ne1980-03-15', ['oconnor', 'dupontel']],
    ['Patient?birthdate=sa1990', ['dupontel']],
    ['Patient?birthdate=eb1960', ['oconnor']],
    ['Patient?birthdate=ap2001-12-30', ['dupontel']],
    ['Patient?death-date=2020', ['oconnor']],
  ])('date: %s', async (query, expected) => {
    expect(ids(await search(query))).toEqual(expected.map((k) => p[k]).sort());
  });

  it.each([
    ['Observation?value-quantity=5.4', ['glucose']],
    ['Observation?value-quantity=5', ['glucose']],
    ['Observation?value-quantity=5.0', []],
    ['Observation?value-quantity=gt6', ['hr', 'prelim']],
    [`Observation?value-quantity=lt10|${UCUM}|mmol/L`, ['glucose', 'prelim']],
    ['Observation?value-quantity=72||beats/minute', ['hr']],
    ['Observation?value-quantity=ap70', ['hr']],
    [`Observation?code-value-quantity=${LOINC}|2339-0$gt6`, ['prelim']],
    [`Observation?combo-code-value-quantity=2339-0$lt6`, ['glucose']],
    ['Observation?code:text=heart', ['hr']],
    ['Observation?status=final&code=2339-0', ['glucose']],
    ['Observation?code=8867-4,2339-0&date=ge2024', ['hr', 'glucose']],
    ['Observation?date=2024-02', ['glucose']],
  ])('number, quantity, composite, AND/OR: %s', async (query, expected) => {
    expect(ids(await search(query))).toEqual(expected.map((k) => o[k]).sort());
  });

  it('references: typed, bare, :Type, :missing, and chains one level down', async () => {
    expect(ids(await search(`Observation?subject=Patient/${p.helene}`))).toEqual([o.hr, o.glucose].sort());
    expect(ids(await search(`Observation?subject:Patient=${p.oconnor}`))).toEqual([o.prelim]);
    expect(ids(await search(`Observation?patient=${p.oconnor}`))).toEqual([o.prelim]);
    expect(ids(await search('Observation?encounter:missing=true&status=preliminary'))).toEqual([o.prelim]);
    expect(ids(await search('Observation?subject.family=oconnor'))).toEqual([o.prelim]);
    expect(ids(await search('Observation?subject:Patient.birthdate=1980'))).toEqual([o.hr, o.glucose].sort());
    expect(ids(await search(`Observation?patient.identifier=${MRN}|H-1&code=2339-0`))).toEqual([o.glucose]);
    expect(ids(await search('Patient?_has:Observation:patient:code=2339-0'))).toEqual(
      [p.helene, p.oconnor].sort(),
    );
    expect(ids(await search('Patient?_has:Observation:subject:status=preliminary'))).toEqual([p.oconnor]);
  });

  it('_sort by any parameter, several keys, descending, paged', async () => {
    const order = async (query: string) =>
      ((await api.get(`/fhir/${query}`).expect(200)).body as Bundle).entry?.map((e) => e.resource?.id);
    expect(await order('Patient?_sort=birthdate')).toEqual([p.oconnor, p.helene, p.dupontel]);
    expect(await order('Patient?_sort=-birthdate')).toEqual([p.dupontel, p.helene, p.oconnor]);
    expect(await order('Patient?family=dupont&_sort=family,-given')).toEqual([p.helene, p.dupontel]);
    expect(await order('Observation?_sort=-value-quantity')).toEqual([o.hr, o.prelim, o.glucose]);
    expect(await order('Observation?_sort=code,date')).toEqual([o.prelim, o.glucose, o.hr]);
    // Page by page, the same order, nothing twice.
    const seen: string[] = [];
    let next: string | undefined = '/fhir/Patient?_sort=-birthdate&_count=1';
    while (next) {
      const page = (await api.get(next.slice(next.indexOf('/fhir/'))).expect(200)).body as Bundle;
      seen.push(...(page.entry ?? []).map((e) => e.resource?.id as string));
      next = page.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(seen).toEqual([p.dupontel, p.helene, p.oconnor]);
  });

  it('_include and _revinclude:iterate follow what the previous round brought in', async () => {
    const included = async (query: string) =>
      (((await api.get(`/fhir/${query}`).expect(200)).body as Bundle).entry ?? [])
        .filter((e: BundleEntry) => e.search?.mode === 'include')
        .map((e) => e.resource?.id)
        .sort();
    const base = `Observation?_id=${o.hr}&_include=Observation:subject`;
    expect(await included(base)).toEqual([p.helene]);
    expect(await included(`${base}&_revinclude=Observation:subject`)).toEqual([p.helene]);
    expect(await included(`${base}&_revinclude:iterate=Observation:subject`)).toEqual(
      [p.helene, o.glucose].sort(),
    );
  });

  it.each([
    ['Patient?colour=blue', 'colour'],
    ['Patient?family:fuzzy=x', 'family'],
    ['Patient?birthdate=yesterday', 'birthdate'],
    ['Observation?value-quantity=abc', 'value-quantity'],
    ['Patient?gender:missing=perhaps', 'gender'],
    ['Observation?subject:Device.family=x', 'subject'],
    ['Patient?_has:Observation:nothing:code=1', '_has'],
    ['Observation?subject.colour=blue', 'colour'],
    ['Patient?_sort=colour', 'colour'],
  ])('refuses %s with a 400 naming %s', async (query, name) => {
    const body = (await api.get(`/fhir/${query}`).expect(400)).body as {
      resourceType: string;
      issue: { diagnostics?: string }[];
    };
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].diagnostics).toContain(name);
  });

  it('ignores unknown parameters under Prefer: handling=lenient, and leaves them out of the self link', async () => {
    const body = (
      await api.get('/fhir/Patient?colour=blue&family=dupont').set('prefer', 'handling=lenient').expect(200)
    ).body as Bundle;
    expect(ids(body)).toEqual([p.helene, p.dupontel].sort());
    const self = body.link?.find((l) => l.relation === 'self')?.url ?? '';
    expect(self).toContain('family=dupont');
    expect(self).not.toContain('colour');
  });
});
