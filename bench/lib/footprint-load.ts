import { setTimeout as sleep } from 'node:timers/promises';
import type { Bundle, Observation, Patient } from 'fhir/r4';

/**
 * The steady load of a footprint run: clinicians recording observations in the sandbox's agency
 * servers (each picked up by its connector, pushed to the hub, routed to the other agencies), and
 * an agency reading from the hub. The sandbox has no change mode of its own: its servers take
 * writes as an EHR does, which is what a connector sees in real life.
 */
export interface LoadCounts {
  changes: number;
  changeErrors: number;
  reads: number;
  readErrors: number;
}

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok)
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

function ids(bundle: Bundle): string[] {
  return (bundle.entry ?? []).flatMap((e) => (e.resource?.id ? [e.resource.id] : []));
}

function observation(patientId: string, value: number): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date().toISOString(),
    valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

/**
 * One change every `1 / perMinute` minutes, round-robin over the agencies: two in three create an
 * observation, one in three corrects the last one written there (a new version).
 */
export async function steadyChanges(
  agencyBaseUrls: string[],
  perMinute: number,
  until: () => boolean,
  counts: LoadCounts,
): Promise<void> {
  const patients = await Promise.all(
    agencyBaseUrls.map(async (base) => ids(await json<Bundle>(`${base}/Patient?_count=50`))),
  );
  const last = new Map<string, Observation>();
  const interval = 60_000 / perMinute;
  for (let i = 0; !until(); i++) {
    const started = Date.now();
    const a = i % agencyBaseUrls.length;
    const base = agencyBaseUrls[a];
    const people = patients[a];
    try {
      const previous = last.get(base);
      const headers = { 'content-type': 'application/fhir+json' };
      if (i % 3 === 2 && previous?.id) {
        const corrected = { ...previous, valueQuantity: { ...previous.valueQuantity, value: 60 + (i % 40) } };
        last.set(
          base,
          await json<Observation>(`${base}/Observation/${previous.id}`, {
            method: 'PUT',
            headers,
            body: JSON.stringify(corrected),
          }),
        );
      } else if (people.length > 0) {
        const body = JSON.stringify(observation(people[i % people.length], 60 + (i % 40)));
        last.set(base, await json<Observation>(`${base}/Observation`, { method: 'POST', headers, body }));
      }
      counts.changes++;
    } catch {
      counts.changeErrors++;
    }
    await sleep(Math.max(0, interval - (Date.now() - started)));
  }
}

/**
 * `perSecond` reads of the hub as an agency: a page of patients, one patient's observations, one
 * patient's summary, in turn.
 */
export async function steadyReads(
  fhir: string,
  token: () => Promise<string>,
  perSecond: number,
  until: () => boolean,
  counts: LoadCounts,
): Promise<void> {
  const interval = 1000 / perSecond;
  let patientIds: string[] = [];
  for (let i = 0; !until(); i++) {
    const started = Date.now();
    try {
      const headers = { authorization: `Bearer ${await token()}`, accept: 'application/fhir+json' };
      const who = patientIds.length > 0 ? patientIds[i % patientIds.length] : undefined;
      if (who === undefined || i % 3 === 0) {
        const page = await json<Bundle<Patient>>(`${fhir}/Patient?_count=20`, { headers });
        patientIds = ids(page);
      } else if (i % 3 === 1) {
        await json<Bundle>(`${fhir}/Observation?subject=Patient/${who}&_count=50`, { headers });
      } else {
        await json<Bundle>(`${fhir}/Patient/${who}/$summary`, { headers });
      }
      counts.reads++;
    } catch {
      counts.readErrors++;
    }
    await sleep(Math.max(0, interval - (Date.now() - started)));
  }
}
