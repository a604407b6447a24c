import { setTimeout as sleep } from 'node:timers/promises';

/** Sum of a metric's samples whose labels contain `match` (all of them when empty). */
function sum(text: string, metric: string, match = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric) || !line.includes(match)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return total;
}

/**
 * Waits for the demo's initial sync to be over: the connectors have pushed (POSTs to the hub),
 * nothing has been pushed for 10 s, nothing waits to be routed and every feed is acknowledged.
 * Returns the seconds it took from the call.
 */
export async function waitForSync(hubUrl: string, adminToken: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let posts = -1;
  let quietSince = Date.now();
  while (Date.now() - started < timeoutMs) {
    await sleep(2000);
    let text: string;
    try {
      const res = await fetch(`${hubUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
      text = await res.text();
      if (!res.ok) continue;
    } catch {
      continue; // not up yet
    }
    const now = sum(text, 'passerelle_http_requests_total{', 'method="POST"');
    if (now !== posts) {
      posts = now;
      quietSince = Date.now();
      continue;
    }
    const backlog = sum(text, 'passerelle_outbox_backlog');
    const pending = sum(text, 'passerelle_feed_pending');
    if (posts > 0 && backlog === 0 && pending === 0 && Date.now() - quietSince >= 10_000) {
      return Math.round((quietSince - started) / 100) / 10;
    }
  }
  throw new Error(`the initial sync did not finish within ${timeoutMs / 1000} s`);
}
