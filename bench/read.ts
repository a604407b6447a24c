/**
 * Read benchmark: GET /fhir/Patient/{id} cycling over ~100 ids, 32 connections, autocannon, on the
 * built hub seeded on a fresh PostgreSQL database; baseline: a bare node:http process answering the
 * same paths with the same bytes. Run: npm run bench:read [-- --patients N --seconds S --profile --redis
 *      --node-flags "<flags>"|none]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { authHeader } from './lib/auth';
import type { CannedResponse } from './lib/bare-server';
import { onCleanup, runBench } from './lib/cleanup';
import { checkpoint, createDatabase, describePostgres } from './lib/database';
import { explainFailures, redisUrlFromArgs, startHub } from './lib/hub';
import { freePort, spawnNode, waitForHttp } from './lib/processes';
import { CONNECTIONS, measure, READ_IDS, seed, summary, WARMUP_SECONDS } from './lib/reads';
import { MB, peakRssBytes, rssBytes } from './lib/footprint-processes';
import { flag, intArg, machine, maximum, nodeFlagsArg, note, report, resultName, round } from './lib/report';

const MAX_SECONDS = 180;
const TARGET_REQUESTS_PER_SECOND = 3_000;
const TARGET_HUB_RSS_MB = 250;

async function main(): Promise<void> {
  const patients = intArg('patients', READ_IDS);
  const seconds = intArg('seconds', 10);
  // One access token serves the whole hub phase; hub tokens live 300 s at most.
  if (seconds > MAX_SECONDS) throw new Error(`--seconds must be at most ${MAX_SECONDS}`);
  const profile = flag('profile');
  // Diagnostic: the hub under other Node flags than NODE_FLAGS.hub (its report is read-node-flags.json).
  const nodeFlags = nodeFlagsArg();
  const redisUrl = redisUrlFromArgs();
  const work = mkdtempSync(join(tmpdir(), 'passerelle-read-'));
  onCleanup(() => rmSync(work, { recursive: true, force: true }));

  const db = await createDatabase('read');
  const profileDir = profile ? mkdtempSync(join(tmpdir(), 'passerelle-read-profile-')) : undefined;
  const hub = await startHub({ databaseUrl: db.url, profileDir, redisUrl, nodeFlags });
  note(`seeding ${patients} patients`);
  const ids = (await explainFailures(hub, () => seed(hub, patients))).slice(0, READ_IDS);
  await checkpoint();
  const paths = ids.map((id) => `/fhir/Patient/${id}`);

  // One token for the whole load (the token lifetime, 300 s at most, covers the default run);
  // the baseline receives the same header, so both read identical requests.
  const auth = authHeader(await hub.tokens.token());
  // The exact answer the hub gives for each path, for the baseline to replay.
  const canned: Record<string, CannedResponse> = {};
  for (const path of paths) {
    const res = await fetch(`${hub.url}${path}`, { headers: auth });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 500)}`);
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'etag', 'last-modified']) headers[name] = res.headers.get(name) ?? '';
    canned[path] = { body, headers };
  }
  const cannedFile = join(work, 'responses.json');
  writeFileSync(cannedFile, JSON.stringify(canned));

  note(`hub: ${seconds} s at ${CONNECTIONS} connections over ${paths.length} ids`);
  // The hub's resident memory under the load (issue 19: at most 250 MB on PostgreSQL).
  const rssSamples: number[] = [];
  const sampling = setInterval(() => rssSamples.push(rssBytes(hub.pid) ?? 0), 500);
  const hubRun = await measure({ url: hub.url, pid: hub.pid, databaseUrl: db.url }, paths, seconds, auth);
  clearInterval(sampling);
  const hubRss = {
    maxDuringReadsMB: round(maximum(rssSamples) / MB),
    atEndMB: round((rssSamples[rssSamples.length - 1] ?? NaN) / MB),
    peakSinceStartMB: round((peakRssBytes(hub.pid) ?? NaN) / MB),
  };
  if (profileDir) note(`measured window (µs): ${hubRun.windowUs}`);
  const settings = hub.settings;
  await hub.stop();
  if (profileDir) note(`hub CPU profile written to ${profileDir}`);
  await db.drop();

  note('baseline: bare node:http');
  const port = await freePort();
  const bare = spawnNode([resolve(__dirname, 'lib/bare-server.js'), cannedFile], { PORT: String(port) });
  const bareUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${bareUrl}/health`, bare.child, bare.output);
  const bareRun = await measure({ url: bareUrl, pid: bare.pid }, paths, seconds, auth);
  await bare.stop();

  const hubResult = hubRun.result;
  const bareResult = bareRun.result;
  const hubRate = hubResult.requests.total / hubResult.duration;
  const bareRate = bareResult.requests.total / bareResult.duration;
  const bodyBytes = Object.values(canned).map((c) => Buffer.byteLength(c.body));
  report(
    resultName('read', {
      redis: redisUrl !== undefined,
      profiled: profile,
      'node-flags': nodeFlags !== undefined,
    }),
    {
      machine: machine(),
      postgres: await describePostgres(),
      workload: {
        seededPatients: patients,
        idsReadInTurn: paths.length,
        meanBodyBytes: Math.round(bodyBytes.reduce((a, b) => a + b, 0) / bodyBytes.length),
        connections: CONNECTIONS,
        warmupSeconds: WARMUP_SECONDS,
        seconds,
        loadGenerator: 'autocannon 8, in the bench process',
      },
      hub: { settings, ...summary(hubRun), rss: hubRss },
      baseline: {
        what: 'bare node:http server (own process) replaying the hub bytes and headers for the same paths',
        ...summary(bareRun),
      },
      ratioHubToBaseline: round(hubRate / bareRate, 3),
      targets: { requestsPerSecond: TARGET_REQUESTS_PER_SECOND, non2xx: 0, hubRssMB: TARGET_HUB_RSS_MB },
      meetsTarget: {
        requestsPerSecond: hubRate >= TARGET_REQUESTS_PER_SECOND,
        hubRss: hubRss.maxDuringReadsMB <= TARGET_HUB_RSS_MB,
      },
    },
  );
  const bad = hubResult.non2xx + hubResult.errors + bareResult.non2xx + bareResult.errors;
  if (bad > 0) throw new Error(`${bad} non-2xx answers or errors (see the report): the run is invalid`);
}

runBench(main);
