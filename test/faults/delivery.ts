import type { Bundle, Resource } from 'fhir/r4';
import { Client } from 'pg';
import { fetchAll } from '../../apps/connector/src/connector.testing';
import { type AgencyName, FAULT_ROUTE_BATCH, type SyncStack } from './stack';

/**
 * What was delivered, counted where it lands: in the GP's own FHIR server (by identifier, and
 * versions per resource), at the hub (versions of what the hospital sent) and in the
 * connectors' stored cursors. "Exactly once" is `onceEach(values)`: one resource, one version.
 */

export function onceEach(values: readonly string[]): Record<string, number[]> {
  return Object.fromEntries(values.map((v) => [v, [1]]));
}

/** The GP server's resources of `type` whose first identifier is `system` with one of `values`. */
export async function atGp(
  stack: SyncStack,
  type: string,
  system: string,
  values: readonly string[],
): Promise<Map<string, Resource[]>> {
  const wanted = new Set(values);
  const held = new Map<string, Resource[]>();
  for (const r of await fetchAll(stack.gp.baseUrl, type)) {
    const id = (r as { identifier?: { system?: string; value?: string }[] }).identifier?.[0];
    if (id?.system !== system || id.value === undefined || !wanted.has(id.value)) continue;
    held.set(id.value, [...(held.get(id.value) ?? []), r]);
  }
  return held;
}

/** Waits until the GP server holds every one of the hospital encounters `values`. */
export async function untilAtGp(
  stack: SyncStack,
  values: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  await stack.processes.until(
    `${values.length} encounters at the GP`,
    async () => {
      const held = await atGp(stack, 'Encounter', stack.encounterSystem, values);
      if (held.size < values.length) throw new Error(`${held.size} of ${values.length} so far`);
      return true;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** Per encounter identifier: the GP's resources carrying it, and each one's version count. */
export async function gpCopies(
  stack: SyncStack,
  values: readonly string[],
): Promise<{ missing: string[]; copies: Record<string, number[]> }> {
  const held = await atGp(stack, 'Encounter', stack.encounterSystem, values);
  const copies: Record<string, number[]> = {};
  for (const [value, resources] of held) {
    copies[value] = [];
    for (const r of resources) {
      const res = await fetch(`${stack.gp.baseUrl}/Encounter/${r.id}/_history`);
      copies[value].push(((await res.json()) as Bundle).entry?.length ?? 0);
    }
  }
  return { missing: values.filter((v) => !held.has(v)), copies };
}

/** The same count at the hub (PostgreSQL): versions per resource the hospital sent. */
export async function hubCopies(
  stack: SyncStack,
  values: readonly string[],
): Promise<Record<string, number[]>> {
  const rows = await stack.sql<{ value: string; versions: string }>(
    `SELECT content->'identifier'->0->>'value' AS value, count(*) AS versions
       FROM resource_version
      WHERE resource_type = 'Encounter' AND source_agency = $1
        AND content->'identifier'->0->>'system' = $2 AND content->'identifier'->0->>'value' = ANY($3)
      GROUP BY id, 1 ORDER BY 1`,
    [stack.hospital.id, stack.encounterSystem, [...values]],
  );
  const copies: Record<string, number[]> = {};
  for (const r of rows) copies[r.value] = [...(copies[r.value] ?? []), Number(r.versions)];
  return copies;
}

/** A connector's stored cursors (stream → position), read from its database. */
export async function connectorCursors(stack: SyncStack, name: AgencyName): Promise<Record<string, string>> {
  const url = stack.connectorDatabaseUrl;
  if (!url) throw new Error('the connectors do not keep their cursors in PostgreSQL');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ stream: string; position: string }>(
      'SELECT stream, position FROM connector_cursor WHERE agency = $1',
      [stack.keys[name]?.id],
    );
    return Object.fromEntries(rows.map((r) => [r.stream, r.position]));
  } finally {
    await client.end();
  }
}

/**
 * Waits until route jobs are running (held by `holdRouting`) and queued for `changes` outbox
 * rows: at least one job per FAULT_ROUTE_BATCH rows (more when the rows came in several polls).
 */
export async function untilRouteJobsFor(stack: SyncStack, changes: number, what: string): Promise<void> {
  const jobs = Math.ceil(changes / FAULT_ROUTE_BATCH);
  await stack.processes.until(what, async () => {
    const counts = await stack.routeQueue();
    return counts.active > 0 && counts.waiting + counts.active >= jobs && counts;
  });
}
