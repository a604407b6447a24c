import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Identifier, Resource } from 'fhir/r4';
import { DEFAULT_PROFILES, identifierKey, identifierToken, rewriteForPush } from '../../apps/connector/src';
import { fetchAll } from '../../apps/connector/src/connector.testing';
import { startAgencyServer } from '../../apps/sandbox/src';
import { authHeader } from './auth';
import type { PreparedBundle } from './hub-client';
import { maximum, percentile, round } from './report';

/** One page a connector would push: a transaction of conditional updates of one type. */
export interface PushPage extends PreparedBundle {
  type: string;
}

const identifiersOf = (r: Resource): Identifier[] => {
  const record = r as { identifier?: Identifier | Identifier[]; masterIdentifier?: Identifier };
  const list = Array.isArray(record.identifier)
    ? record.identifier
    : record.identifier
      ? [record.identifier]
      : [];
  return record.masterIdentifier ? [...list, record.masterIdentifier] : list;
};

/**
 * The transaction Bundles an agency's connector sends for its backfill, built with the connector's
 * own rewriting (apps/connector/src/sync/publisher.ts): per type in push order, pages of
 * `pageSize` resources sorted by lastUpdated, each a `PUT Type?identifier=system|value` whose
 * references to published types are conditional references by identifier. The resources come
 * from a seeded sandbox agency (Medplum's server, as the connector reads them).
 */
export async function pushPagesOf(
  kind: 'hospital' | 'gp',
  patients: number,
  pageSize: number,
  seed = 42,
): Promise<PushPage[]> {
  const server = await startAgencyServer({ kind, seed: { patients, seed } });
  try {
    const publish = DEFAULT_PROFILES[kind].publish;
    const byType = new Map<string, Resource[]>();
    const known = new Map<string, readonly Identifier[]>();
    for (const type of new Set([...publish, 'Organization', 'Practitioner'])) {
      const all = await fetchAll(server.baseUrl, type);
      all.sort((a, b) => (a.meta?.lastUpdated ?? '').localeCompare(b.meta?.lastUpdated ?? ''));
      byType.set(type, all);
      for (const r of all) if (r.id) known.set(`${type}/${r.id}`, identifiersOf(r));
    }
    const published = new Set<string>(publish);
    const pages: PushPage[] = [];
    for (const type of publish) {
      const all = byType.get(type) ?? [];
      for (let i = 0; i < all.length; i += pageSize) {
        const entry: BundleEntry[] = [];
        for (const resource of all.slice(i, i + pageSize)) {
          const key = identifierKey(resource);
          if (!key) continue;
          const { resource: rewritten } = await rewriteForPush(resource, {
            baseUrl: server.baseUrl,
            published,
            identifiersOf: (t, id) => known.get(`${t}/${id}`),
          });
          entry.push({
            fullUrl: `urn:uuid:${randomUUID()}`,
            resource: rewritten,
            request: { method: 'PUT', url: `${type}?identifier=${encodeURIComponent(identifierToken(key))}` },
          });
        }
        const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry };
        pages.push({ type, body: JSON.stringify(bundle), entries: entry.length });
      }
    }
    return pages;
  } finally {
    await server.close();
  }
}

export interface PushRun {
  elapsedMs: number;
  resources: number;
  /** Per page, in ms. */
  latenciesMs: number[];
  /** Per type: pages, resources, total ms. */
  byType: Record<string, { pages: number; resources: number; ms: number }>;
  /** Entries answered 201 (a new resource), 200 (updated or unchanged). */
  created: number;
}

/**
 * POSTs the pages one after the other, as one connector does (it waits for the hub's answer
 * before moving its cursor). Anything but 200 with a 2xx per entry fails the run.
 */
export async function pushPages(
  fhir: string,
  token: () => Promise<string | undefined>,
  pages: readonly PushPage[],
): Promise<PushRun> {
  const run: PushRun = { elapsedMs: 0, resources: 0, latenciesMs: [], byType: {}, created: 0 };
  const start = performance.now();
  for (const page of pages) {
    const t0 = performance.now();
    const res = await fetch(fhir, {
      method: 'POST',
      headers: {
        ...authHeader(await token()),
        'content-type': 'application/fhir+json',
        accept: 'application/fhir+json',
      },
      body: page.body,
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 200)
      throw new Error(`hub answered ${res.status} to a ${page.type} page: ${text.slice(0, 2000)}`);
    const answer = JSON.parse(text) as Bundle;
    const statuses = (answer.entry ?? []).map((e) => e.response?.status ?? '');
    if (statuses.length !== page.entries || statuses.some((s) => !/^20[01]/.test(s)))
      throw new Error(`hub answered 200 but not every entry is 2xx: ${text.slice(0, 2000)}`);
    run.created += statuses.filter((s) => s.startsWith('201')).length;
    run.latenciesMs.push(ms);
    run.resources += page.entries;
    const t = (run.byType[page.type] ??= { pages: 0, resources: 0, ms: 0 });
    t.pages++;
    t.resources += page.entries;
    t.ms += ms;
  }
  run.elapsedMs = performance.now() - start;
  return run;
}

/** A push run as the report shows it: rate, page latency, and ms per resource for each type. */
export function describePush(run: PushRun) {
  return {
    resources: run.resources,
    pages: run.latenciesMs.length,
    resourcesPerSecond: Math.round(run.resources / (run.elapsedMs / 1000)),
    elapsedMs: Math.round(run.elapsedMs),
    created: run.created,
    pageLatencyMs: {
      p50: round(percentile(run.latenciesMs, 50)),
      p99: round(percentile(run.latenciesMs, 99)),
      max: round(maximum(run.latenciesMs)),
    },
    msPerResourceByType: Object.fromEntries(
      Object.entries(run.byType).map(([type, t]) => [type, round(t.ms / t.resources, 2)]),
    ),
  };
}
