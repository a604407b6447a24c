/**
 * Sizing: what each stored thing takes on disk, measured on this machine's PostgreSQL with the
 * real schema (the built hub, its migrations) and synthetic patients: the patients' records as
 * create transactions (~50 resources each), then every patient read once and its Observations
 * searched once by the same agency (audited as in production). Reports, per table, rows, heap,
 * TOAST and index bytes and bytes per row, after VACUUM ANALYZE; and the ratios docs/scale.md
 * multiplies out (versions, search values and audit records per resource written and per read).
 * Not a speed measurement: nothing here is timed.
 * Run: npm run build && node dist/bench/sizing.js [-- --patients N]  (default 200)
 */
import { Client } from 'pg';
import { generatePatients, toTransactionBundle } from '@passerelle/synthetic';
import { authHeader } from './lib/auth';
import { runBench } from './lib/cleanup';
import { runConcurrently } from './lib/concurrency';
import { createDatabase, describePostgres } from './lib/database';
import { postTransaction, prepare } from './lib/hub-client';
import { explainFailures, startHub } from './lib/hub';
import { intArg, machine, note, report, round } from './lib/report';

const SEED = 20_251_129;
const CONCURRENCY = 4;
const TABLES = [
  'resource',
  'resource_version',
  'search_value',
  'sync_outbox',
  'sync_feed',
  'audit_log',
  'audit_event',
  'mpi_person',
  'mpi_link',
  'mpi_key',
  'care_relationship',
];

const WRITES = ['create', 'update', 'delete', 'transaction', 'batch'];
const READS = ['read', 'vread', 'search-type', 'search-system', 'history-instance', 'operation'];

interface TableSize {
  rows: number;
  heapBytes: number;
  toastBytes: number;
  indexBytes: number;
  bytesPerRow: number | null;
}

async function main(): Promise<void> {
  const patients = intArg('patients', 200);
  const db = await createDatabase('sizing');
  const hub = await startHub({ databaseUrl: db.url });
  const bundles = generatePatients(patients, SEED).map((p) =>
    prepare(toTransactionBundle(p, 'create', { conditionalDirectory: true })),
  );
  const patientIds: string[] = [];
  note(`writing ${patients} patients`);
  await explainFailures(hub, () =>
    runConcurrently(bundles, CONCURRENCY, async (bundle) => {
      const { answer } = await postTransaction(hub.fhir, await hub.tokens.token(), bundle);
      const location = answer.entry
        ?.map((e) => e.response?.location ?? '')
        .find((l) => l.startsWith('Patient/'));
      if (location) patientIds.push(location.split('/')[1]);
    }),
  );
  note(`reading ${patientIds.length} patients and searching their Observations`);
  let reads = 0;
  await explainFailures(hub, () =>
    runConcurrently(patientIds, CONCURRENCY, async (id) => {
      const headers = { ...authHeader(await hub.tokens.token()), accept: 'application/fhir+json' };
      for (const path of [`Patient/${id}`, `Observation?patient=Patient/${id}&_count=50`]) {
        const res = await fetch(`${hub.fhir}/${path}`, { headers });
        if (res.status !== 200) throw new Error(`GET ${path.split('?')[0]}: ${res.status}`);
        await res.json();
        reads++;
      }
    }),
  );
  await hub.stop();

  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const sizes: Record<string, TableSize> = {};
    // audit_event is the log's projection: caught up, so both hold every record (docs/audit.md).
    await client.query('SELECT audit_project(1000000, true)');
    for (const table of TABLES) {
      await client.query(`VACUUM ANALYZE ${table}`);
      // The table and, when it is partitioned, every partition (pg_partition_tree lists none for a plain table).
      const { rows } = await client.query<{ heap: string; total: string; indexes: string }>(
        `SELECT sum(pg_relation_size(relid)) AS heap, sum(pg_table_size(relid)) AS total,
                sum(pg_indexes_size(relid)) AS indexes
           FROM (SELECT relid FROM pg_partition_tree($1::regclass) UNION SELECT $1::regclass) AS t`,
        [table],
      );
      const count = Number(
        (await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n,
      );
      const heap = Number(rows[0].heap);
      const total = Number(rows[0].total);
      const indexes = Number(rows[0].indexes);
      sizes[table] = {
        rows: count,
        heapBytes: heap,
        toastBytes: total - heap,
        indexBytes: indexes,
        bytesPerRow: count > 0 ? Math.round((total + indexes) / count) : null,
      };
    }
    const one = async (sql: string) => Number((await client.query<{ v: string }>(sql)).rows[0].v);
    const resources = sizes.resource.rows;
    const audit = await client.query<{ interaction: string; n: string; bytes: string }>(
      // The content is the log's (the projection holds only the searchable columns).
      `SELECT e.interaction, count(*) AS n, avg(pg_column_size(l.content))::int AS bytes
         FROM audit_event e JOIN audit_log l ON l.seq = e.seq AND l.appended_at = e.appended_at
        GROUP BY 1 ORDER BY 1`,
    );
    const count = (kinds: readonly string[]) =>
      audit.rows.filter((r) => kinds.includes(r.interaction)).reduce((n, r) => n + Number(r.n), 0);
    report('sizing', {
      machine: machine(),
      postgres: await describePostgres(),
      workload: { patients, resourcesWritten: resources, readRequests: reads },
      tables: sizes,
      perResource: {
        jsonBytes: round(await one('SELECT avg(octet_length(content::text)) AS v FROM resource'), 0),
        storedContentBytes: round(await one('SELECT avg(pg_column_size(content)) AS v FROM resource'), 0),
        versions: round(sizes.resource_version.rows / resources, 2),
        searchValues: round(sizes.search_value.rows / resources, 2),
        outboxRows: round(sizes.sync_outbox.rows / resources, 2),
      },
      audit: {
        byInteraction: Object.fromEntries(
          audit.rows.map((r) => [
            r.interaction,
            { records: Number(r.n), storedContentBytes: Number(r.bytes) },
          ]),
        ),
        // A transaction Bundle is one record (its entries listed in it); a read or a search one each.
        recordsPerBundleWritten: round(count(WRITES) / bundles.length, 3),
        recordsPerResourceWritten: round(count(WRITES) / resources, 4),
        recordsPerReadRequest: round(count(READS) / reads, 2),
      },
    });
  } finally {
    await client.end();
    await db.drop();
  }
}

runBench(main);
