import type { Bundle, Identifier, Observation, Resource } from 'fhir/r4';
import { fetchAll } from '../../apps/connector/src/connector.testing';

/** Reads and writes on an agency's FHIR server (the sandbox), as the benchmark's observer. */

const FHIR_JSON = 'application/fhir+json';

export async function countOf(baseUrl: string, type: string): Promise<number> {
  const res = await fetch(`${baseUrl}/${type}?_summary=count`, { headers: { accept: FHIR_JSON } });
  if (res.status !== 200) throw new Error(`count ${type}: ${res.status}`);
  return ((await res.json()) as Bundle).total ?? 0;
}

export async function countsOf(baseUrl: string, types: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const type of types) out[type] = await countOf(baseUrl, type);
  return out;
}

export const keyOf = (r: Resource): string | undefined => {
  const first = (r as { identifier?: Identifier[] }).identifier?.find((i) => i.system && i.value);
  return first ? `${r.resourceType}|${first.system}|${first.value}` : undefined;
};

/** When each resource was written in that server (meta.lastUpdated, epoch ms), by its first identifier. */
export async function writtenAt(baseUrl: string, types: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const type of types) {
    for (const r of await fetchAll(baseUrl, type)) {
      const key = keyOf(r);
      if (key && r.meta?.lastUpdated) out.set(key, Date.parse(r.meta.lastUpdated));
    }
  }
  return out;
}

/** Resources of a type written after `since` (ISO instant), following next links. */
export async function writtenSince(baseUrl: string, type: string, since: string): Promise<Resource[]> {
  const out: Resource[] = [];
  let url: string | undefined = `${baseUrl}/${type}?_lastUpdated=gt${encodeURIComponent(since)}&_count=1000`;
  while (url) {
    const res = await fetch(url, { headers: { accept: FHIR_JSON } });
    if (res.status !== 200) throw new Error(`GET ${type} since ${since}: ${res.status}`);
    const bundle = (await res.json()) as Bundle;
    out.push(...(bundle.entry ?? []).flatMap((e) => (e.resource?.resourceType === type ? [e.resource] : [])));
    url = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  return out;
}

/**
 * A new Observation at the hospital, like one a clinician records: a copy of `template` (its
 * patient, encounter, code) under a new identifier. Returns when the server stamped it.
 */
export async function writeObservation(
  baseUrl: string,
  template: Observation,
  identifier: { system: string; value: string },
): Promise<number> {
  const { id: _id, meta: _meta, ...content } = template;
  const body: Observation = {
    ...content,
    identifier: [identifier],
    effectiveDateTime: new Date().toISOString(),
  };
  delete body.effectivePeriod;
  const res = await fetch(`${baseUrl}/Observation`, {
    method: 'POST',
    headers: { 'content-type': FHIR_JSON, accept: FHIR_JSON },
    body: JSON.stringify(body),
  });
  const stored = (await res.json()) as Observation;
  if (res.status !== 201 || !stored.meta?.lastUpdated)
    throw new Error(`writing an Observation at the hospital: ${res.status}`);
  return Date.parse(stored.meta.lastUpdated);
}
