import type { Bundle, Encounter } from 'fhir/r4';
import { type AgencyServer, startAgencyServer } from './agency-server';

const ENC = 'https://hospital.example.org/fhir/sid/encounter';

describe("an agency server's history, deletions included", () => {
  let hospital: AgencyServer;
  const call = async <T = Bundle>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${hospital.baseUrl}/${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) }
        : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const encounter = (value: string, status: Encounter['status']): Encounter => ({
    resourceType: 'Encounter',
    identifier: [{ system: ENC, value }],
    status,
    class: { code: 'IMP' },
  });

  beforeAll(async () => {
    hospital = await startAgencyServer({ kind: 'hospital' });
  });
  afterAll(() => hospital.close());

  it('lists the type writes since an instant, newest first, a deletion as a DELETE entry without resource', async () => {
    const kept = await call<Encounter>('POST', 'Encounter', encounter('K-1', 'in-progress'));
    const before = (await call<Encounter>('POST', 'Encounter', encounter('H-1', 'in-progress'))).body;
    const since = before.meta!.lastUpdated!;
    await call('PUT', `Encounter/${before.id}`, { ...encounter('H-1', 'finished'), id: before.id });
    expect((await call('DELETE', `Encounter?identifier=${encodeURIComponent(ENC)}|H-1`)).status).toBe(200);

    const history = (await call('GET', `Encounter/_history?_since=${encodeURIComponent(since)}`)).body;
    expect(history.type).toBe('history');
    expect(history.entry?.map((e) => e.request?.method)).toEqual(['DELETE', 'PUT', 'POST']);
    const [deletion, update] = history.entry!;
    expect(deletion.request?.url).toBe(`Encounter/${before.id}`);
    expect(deletion.resource).toBeUndefined();
    expect(Date.parse(deletion.response?.lastModified ?? '')).toBeGreaterThan(
      Date.parse(update.response?.lastModified ?? ''),
    );
    // Not what came before the instant.
    expect(history.entry?.some((e) => e.fullUrl?.endsWith(`/Encounter/${kept.body.id}`))).toBe(false);
    expect((await call('GET', 'Encounter/_history?_since=yesterday')).status).toBe(400);

    // The deleted resource is gone, but its versions stay readable: newest first.
    expect((await call('GET', `Encounter/${before.id}`)).status).toBe(404);
    const versions = (await call('GET', `Encounter/${before.id}/_history`)).body;
    expect(versions.entry?.map((e) => (e.resource as Encounter).status)).toEqual(['finished', 'in-progress']);
  });
});
