/**
 * Where a search's CPU goes, query by query: bench/search's 20 queries, each alone at 32
 * connections, with the hub's and the database's own backends' CPU ms per search; with `--log`,
 * also each statement PostgreSQL ran for it (parse, bind, execute: count and ms per search, by
 * statement), from the server log (`log_min_duration_statement = 0` set on this database only).
 *
 * The database is kept between runs so that builds compare on the same rows:
 *   node dist/bench/search-profile.js --seed 1000 --db passerelle_bench_profile   (create and seed)
 *   node dist/bench/search-profile.js --db passerelle_bench_profile [--seconds 3] [--log] [--label L]
 *   node dist/bench/search-profile.js --mixed --db passerelle_bench_profile [--cpu-prof]
 *   node dist/bench/search-profile.js --drop --db passerelle_bench_profile
 * `--mixed` runs the 20 queries together (as bench/search's throughput phase does) instead of
 * one by one; `--cpu-prof` runs the hub under --cpu-prof (see bench/lib/profile-summary).
 * Each run starts the hub of the build it belongs to (dist/ beside this script) on that database.
 */
import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { authHeader } from './lib/auth';
import { runBench } from './lib/cleanup';
import { coresOf, cpuBetween, snapshot } from './lib/cpu';
import { ADMIN_POSTGRES_URL, analyze, checkpoint } from './lib/database';
import { explainFailures, startHub } from './lib/hub';
import { CONNECTIONS, seed } from './lib/reads';
import { sampleActivity } from './lib/pg-activity';
import { flag, intArg, machine, note, percentile, report, round } from './lib/report';
import { QUERIES, type Sample, samplePatients } from './lib/search-queries';

const SERVER_LOG = process.env.PG_SERVER_LOG ?? '/var/log/postgresql/postgresql-15-main.log';
const LOGGED_SEARCHES = 200;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

function urlOf(db: string): string {
  const url = new URL(ADMIN_POSTGRES_URL);
  url.pathname = `/${db}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: ADMIN_POSTGRES_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const samplesFile = (db: string) => join(tmpdir(), `${db}.samples.json`);

async function seedDatabase(db: string, patients: number): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${db}`);
  const hub = await startHub({ databaseUrl: urlOf(db) });
  note(`seeding ${patients} patients`);
  const ids = await explainFailures(hub, () => seed(hub, patients));
  await analyze(urlOf(db));
  const sample = await samplePatients(hub.fhir, ids, authHeader(await hub.tokens.token()), 50);
  writeFileSync(samplesFile(db), JSON.stringify(sample));
  await hub.stop();
  await checkpoint();
}

/** One query alone at 32 connections: rate, latency and CPU per search. */
async function load(
  url: string,
  pid: number,
  databaseUrl: string,
  paths: string[],
  seconds: number,
  auth: Record<string, string>,
) {
  let next = 0;
  const run = (duration: number, latencies: number[] = []) =>
    new Promise<autocannon.Result>((done, fail) => {
      const instance = autocannon(
        {
          url,
          connections: CONNECTIONS,
          duration,
          headers: auth,
          requests: [
            { method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) },
          ],
        },
        (error: unknown, result) =>
          error ? fail(error instanceof Error ? error : new Error('autocannon failed')) : done(result),
      );
      instance.on('response', (_c, _s, _b, ms) => latencies.push(ms));
    });
  await run(1);
  const activity = await sampleActivity(databaseUrl, 50);
  const before = snapshot();
  const latencies: number[] = [];
  const result = await run(seconds, latencies);
  const after = snapshot();
  const cpu = cpuBetween(before, after, pid, machine().cores);
  const own = coresOf(before, after, activity.pids());
  await activity.stop();
  const perSearch = (cores: number) =>
    round((cores * 1000 * result.duration) / Math.max(1, result.requests.total), 3);
  if (result.non2xx + result.errors > 0) throw new Error(`${result.non2xx + result.errors} failed answers`);
  return {
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    latencyMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2) },
    cpuMsPerSearch: { hub: perSearch(cpu.serverCores), ownBackends: perSearch(own) },
    otherCores: cpu.otherCores,
  };
}

/** The server log's lines about `db` written from `offset` on, as (kind, statement, ms) entries. */
function statementsSince(offset: number, db: string): { kind: string; statement: string; ms: number }[] {
  const size = statSync(SERVER_LOG).size;
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(SERVER_LOG, 'r');
  readSync(fd, buffer, 0, buffer.length, offset);
  closeSync(fd);
  const entries: { kind: string; statement: string; ms: number }[] = [];
  let current: { kind: string; statement: string; ms: number } | undefined;
  for (const line of buffer.toString('utf8').split('\n')) {
    if (/^\d{4}-\d{2}-\d{2} /.test(line)) {
      current = undefined;
      if (!line.includes(`@${db} `)) continue;
      const m = /LOG:\s+duration: ([\d.]+) ms\s+(parse|bind|execute|statement)( [^:]*)?: (.*)$/.exec(line);
      if (!m) continue;
      current = { kind: m[2], statement: m[4], ms: Number(m[1]) };
      entries.push(current);
    } else if (current && /^\s/.test(line)) {
      current.statement += ` ${line.trim()}`;
    }
  }
  return entries;
}

/** A statement's shape: its text, whitespace collapsed, literals in IN/ARRAY lists kept (they are $n). */
const shapeOf = (statement: string) => statement.replace(/\s+/g, ' ').slice(0, 160);

async function logged(url: string, db: string, paths: string[], auth: Record<string, string>) {
  const offset = statSync(SERVER_LOG).size;
  for (let i = 0; i < LOGGED_SEARCHES; i++) {
    const res = await fetch(`${url}${paths[i % paths.length]}`, { headers: auth });
    await res.arrayBuffer();
  }
  await new Promise((r) => setTimeout(r, 300));
  const byShape = new Map<string, { count: number; ms: Record<string, number> }>();
  let total = 0;
  for (const e of statementsSince(offset, db)) {
    const shape = shapeOf(e.statement);
    const entry = byShape.get(shape) ?? { count: 0, ms: {} };
    if (e.kind === 'execute' || e.kind === 'statement') entry.count++;
    entry.ms[e.kind] = (entry.ms[e.kind] ?? 0) + e.ms;
    total += e.ms;
    byShape.set(shape, entry);
  }
  const statements = [...byShape]
    .map(([shape, e]) => ({
      perSearch: round(e.count / LOGGED_SEARCHES, 2),
      msPerSearch: Object.fromEntries(
        Object.entries(e.ms).map(([k, v]) => [k, round(v / LOGGED_SEARCHES, 3)]),
      ),
      shape,
    }))
    .sort((a, b) => sum(b.msPerSearch) - sum(a.msPerSearch));
  return {
    roundTripsPerSearch: round(
      statements.reduce((n, s) => n + s.perSearch, 0),
      2,
    ),
    statementMsPerSearch: round(total / LOGGED_SEARCHES, 3),
    statements,
  };
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const db = arg('db');
  if (!db || !/^passerelle_bench_[a-z0-9_]+$/.test(db))
    throw new Error('--db passerelle_bench_<name> is required');
  if (flag('drop')) return admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  if (flag('seed')) return seedDatabase(db, intArg('seed', 1_000));
  const seconds = intArg('seconds', 3);
  const log = flag('log');
  const only = arg('only');
  const sample = JSON.parse(readFileSync(samplesFile(db), 'utf8')) as Sample[];
  if (log) await admin(`ALTER DATABASE ${db} SET log_min_duration_statement = 0`);
  try {
    const profileDir = flag('cpu-prof')
      ? mkdtempSync(join(tmpdir(), 'passerelle-search-profile-'))
      : undefined;
    const hub = await startHub({ databaseUrl: urlOf(db), profileDir });
    const perQuery: Record<string, unknown> = {};
    if (flag('mixed')) {
      const paths = Object.values(QUERIES).flatMap((template) => sample.map((p) => `/fhir/${template(p)}`));
      // In bench/search's order: every sample patient's first query, then their second ...
      perQuery.mixed = await load(
        hub.url,
        hub.pid,
        urlOf(db),
        paths,
        seconds,
        authHeader(await hub.tokens.token()),
      );
    }
    for (const [name, template] of Object.entries(QUERIES)) {
      if (flag('mixed') || (only !== undefined && !name.includes(only))) continue;
      const auth = authHeader(await hub.tokens.token());
      const paths = sample.map((p) => `/fhir/${template(p)}`);
      note(name);
      perQuery[name] = log
        ? await logged(hub.url, db, paths, auth)
        : await load(hub.url, hub.pid, urlOf(db), paths, seconds, auth);
    }
    await hub.stop();
    if (profileDir) note(`hub's CPU profile written to ${profileDir}`);
    const label = arg('label');
    report(`search-profile${log ? '-statements' : ''}${label ? `-${label}` : ''}`, {
      machine: machine(),
      database: db,
      workload: {
        samplePatients: sample.length,
        connections: log ? 1 : CONNECTIONS,
        seconds,
        searchesLogged: log ? LOGGED_SEARCHES : undefined,
      },
      perQuery,
    });
  } finally {
    if (log) await admin(`ALTER DATABASE ${db} RESET log_min_duration_statement`);
  }
}

runBench(main);
