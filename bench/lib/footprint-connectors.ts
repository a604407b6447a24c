import type { Readable } from 'node:stream';
import { MB } from './footprint-processes';
import { round } from './report';

/** A connector's own account of its memory, from its /health (MB). */
export interface ConnectorMemory {
  /** Seconds since the demo was started. */
  t: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  /** V8's heap just after its last full collection: what is still reachable (the leak signal). */
  heapAfterFullGc: number | null;
  fullGcs: number;
}

interface HealthMemory {
  memory?: Omit<ConnectorMemory, 't'>;
}

/**
 * Where the demo's connectors listen: each logs its address as it comes up (the demo gives them
 * port 0), and the demo prefixes each child's lines with `[connector:<agency>]`.
 */
export function connectorAddresses(stdout: Readable): Map<string, string> {
  const found = new Map<string, string>();
  let partial = '';
  stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = line.match(/^\[(connector:[^\]]+)\].*?listening on (http:\/\/[^\s;"]+)/);
      if (m) found.set(m[1], m[2]);
    }
  });
  return found;
}

/** Reads each connector's memory from its /health; a connector that does not answer is skipped. */
export async function connectorMemory(
  addresses: ReadonlyMap<string, string>,
  t: number,
): Promise<Record<string, ConnectorMemory>> {
  const out: Record<string, ConnectorMemory> = {};
  for (const [name, url] of addresses) {
    try {
      const res = await fetch(`${url}/health`);
      const m = ((await res.json()) as HealthMemory).memory;
      if (!m) continue;
      out[name] = {
        t,
        rss: round(m.rss / MB),
        heapTotal: round(m.heapTotal / MB),
        heapUsed: round(m.heapUsed / MB),
        external: round(m.external / MB),
        heapAfterFullGc: m.heapAfterFullGc === null ? null : round(m.heapAfterFullGc / MB),
        fullGcs: m.fullGcs,
      };
    } catch {
      // stopping, or not up yet
    }
  }
  return out;
}
