import { readFileSync } from 'node:fs';
import { AUDIT_SCHEMA, type AuditInput, AuditWriter } from '@passerelle/audit';
import { openDatabase } from '@passerelle/store';
import { runBench } from './lib/cleanup';
import { createDatabase, describePostgres } from './lib/database';
import { flag, intArg, machine, report, round } from './lib/report';

/**
 * What one audit group commit costs PostgreSQL: `--groups` flushes of `--size` records each,
 * one after the other through AuditWriter (as the hub writes them), on a database of its own.
 * The CPU is that of this database's own backends only (from /proc, by the pids
 * pg_stat_activity gives for it), so other work on a shared machine does not count; wall time
 * does, and is reported beside it. Where the trail has a projection (audit_project, migration
 * 1765750000000), its catch-up is measured apart: off the request path, after the appends.
 *
 *   npm run build && node dist/bench/audit-append.js [--groups 1000] [--size 32] [--label before]
 */
const TICK_MS = 10; // USER_HZ is 100 on Linux

function ticksOf(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function input(n: number): AuditInput {
  const patientId = `p-${n % 97}`;
  return {
    interaction: 'read',
    outcome: 'success',
    agency: `agency-${n % 3}`,
    clientId: `agency-${n % 3}`,
    purposeOfUse: 'TREAT',
    practitioner: 'Practitioner/42',
    patientId,
    resourceType: 'Observation',
    resourceId: `obs-${n}`,
    query: '_id=obs',
    requestId: `req-${n}`,
  };
}

runBench(async () => {
  const groups = intArg('groups', 1000);
  const size = intArg('size', 32);
  const bench = await createDatabase('auditappend');
  const opened = await openDatabase(
    { kind: 'postgres', url: bench.url, poolSize: 4 },
    { migrate: true, schemas: [AUDIT_SCHEMA] },
  );
  const ds = opened.dataSource;
  const writer = new AuditWriter(ds);
  const backends = async (): Promise<number[]> =>
    (
      await ds.query<{ pid: number }[]>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
    ).map((r) => r.pid);
  const cpu = async (): Promise<number> => (await backends()).reduce((sum, pid) => sum + ticksOf(pid), 0);

  // Warm-up: the writer's kept connection opens, the statement is planned.
  for (let i = 0; i < 20; i++) await writer.record(Array.from({ length: size }, (_, k) => input(k)));
  const [projection] = await ds.query<{ present: boolean }[]>(
    `SELECT to_regproc('audit_project') IS NOT NULL AS present`,
  );
  const project = async () => {
    if (!projection.present) return;
    for (;;) {
      const [{ n }] = await ds.query<{ n: string }[]>('SELECT audit_project(1000, true) AS n');
      if (Number(n) < 1000) return;
    }
  };
  await project();

  const ticks0 = await cpu();
  const t0 = performance.now();
  for (let g = 0; g < groups; g++)
    await writer.record(Array.from({ length: size }, (_, k) => input(g * size + k)));
  const appendMs = performance.now() - t0;
  const appendTicks = (await cpu()) - ticks0;

  const ticks1 = await cpu();
  const t1 = performance.now();
  await project();
  const projectMs = performance.now() - t1;
  const projectTicks = (await cpu()) - ticks1;
  await writer.close();

  const events = groups * size;
  const partitionBytes: { relation: string; bytes: string }[] = await ds.query(
    `SELECT i.inhparent::regclass::text AS relation, sum(pg_total_relation_size(i.inhrelid))::bigint AS bytes
       FROM pg_inherits i WHERE i.inhparent::regclass::text IN ('audit_event', 'audit_log') GROUP BY 1`,
  );
  await opened.close();
  report(
    flag('label') ? `audit-append-${process.argv[process.argv.indexOf('--label') + 1]}` : 'audit-append',
    {
      machine: machine(),
      postgres: await describePostgres(),
      groups,
      groupSize: size,
      projection: projection.present,
      append: {
        wallMsPerGroup: round(appendMs / groups, 3),
        postgresCpuMsPerGroup: round((appendTicks * TICK_MS) / groups, 3),
        postgresCpuUsPerEvent: round((appendTicks * TICK_MS * 1000) / events, 1),
      },
      ...(projection.present
        ? {
            projection: {
              wallMs: round(projectMs, 1),
              postgresCpuUsPerEvent: round((projectTicks * TICK_MS * 1000) / events, 1),
            },
          }
        : {}),
      bytes: Object.fromEntries(partitionBytes.map((r) => [r.relation, Number(r.bytes)])),
    },
  );
});
