import { Client } from 'pg';

/**
 * Samples what the benchmarked database's backends are doing (pg_stat_activity) every few ms
 * during a phase: running, idle (waiting for the hub), or waiting on a lock, and which. It tells
 * a hub that is slow from a hub whose transactions queue behind one another.
 */
export interface ActivitySampler {
  /** Share of backend samples per state, e.g. `active (CPU/IO)`, `Lock:advisory`, `idle in transaction`. */
  stop: () => Promise<{
    samples: number;
    meanBackends: number;
    shares: Record<string, number>;
  }>;
  /** The process ids of the database's client backends seen so far (the hub's pool). */
  pids: () => ReadonlySet<number>;
}

export async function sampleActivity(url: string, everyMs = 20): Promise<ActivitySampler> {
  const client = new Client({ connectionString: url });
  await client.connect();
  client.on('error', () => undefined); // a forced DROP at cleanup may end it first
  const counts = new Map<string, number>();
  const pids = new Set<number>();
  let samples = 0;
  let backendSamples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{
        pid: number;
        state: string | null;
        wait: string | null;
        query: string;
      }>(
        `SELECT pid, state, wait_event_type || ':' || wait_event AS wait, query FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      samples++;
      for (const r of rows) {
        pids.add(r.pid);
        // Idle backends report their last wait (ClientRead); only active ones are really waiting.
        let key = r.state === 'active' ? (r.wait ?? 'active (CPU/IO)') : (r.state ?? 'unknown');
        // Which statement waits on a lock says whose lock it is.
        if (r.state === 'active' && r.wait?.startsWith('Lock:'))
          key += ` <- ${r.query.replace(/\s+/g, ' ').slice(0, 90)}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        backendSamples++;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    pids: () => pids,
    stop: async () => {
      running = false;
      await loop;
      await client.end();
      const shares = Object.fromEntries(
        [...counts]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => [k, Math.round((n / Math.max(1, backendSamples)) * 1000) / 1000]),
      );
      return {
        samples,
        meanBackends: Math.round((backendSamples / Math.max(1, samples)) * 10) / 10,
        shares,
      };
    },
  };
}
