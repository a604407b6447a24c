import { type DemoProcess, MB, rssBytes } from './footprint-processes';
import { round } from './report';

/** The hub's own account of its memory, from its /metrics gauges (MB). */
export interface HubMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** PGlite's WebAssembly memory (part of external and arrayBuffers). */
  embeddedDatabase: number;
}

export interface Sample {
  /** Seconds since the demo was started. */
  t: number;
  phase: string;
  /** MB per process. */
  rss: Record<string, number>;
  totalRss: number;
}

/** Reads the hub's memory gauges from /metrics (operator credential). */
export async function hubMemory(hubUrl: string, adminToken: string): Promise<HubMemory | undefined> {
  try {
    const res = await fetch(`${hubUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
    const text = await res.text();
    if (!res.ok) return undefined;
    const kind = (k: string) =>
      round(
        Number(text.match(new RegExp(`^passerelle_process_memory_bytes\\{kind="${k}"\\} (\\S+)`, 'm'))?.[1]) /
          MB,
      );
    const wasm = Number(text.match(/^passerelle_embedded_database_memory_bytes (\S+)/m)?.[1]);
    return {
      rss: kind('rss'),
      heapTotal: kind('heap_total'),
      heapUsed: kind('heap_used'),
      external: kind('external'),
      arrayBuffers: kind('array_buffers'),
      embeddedDatabase: round(wasm / MB),
    };
  } catch {
    return undefined;
  }
}

/** Samples every process's RSS at a fixed interval, each sample tagged with the current phase. */
export class Sampler {
  readonly samples: Sample[] = [];
  phase = 'starting';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly processes: () => DemoProcess[],
    private readonly started: number,
  ) {}

  start(intervalMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  sample(): Sample {
    const rss: Record<string, number> = {};
    for (const p of this.processes()) {
      const bytes = rssBytes(p.pid);
      if (bytes !== undefined) rss[p.name] = round(bytes / MB);
    }
    const totalRss = round(Object.values(rss).reduce((a, b) => a + b, 0));
    const sample = { t: round((Date.now() - this.started) / 1000), phase: this.phase, rss, totalRss };
    this.samples.push(sample);
    return sample;
  }

  /** Per process, over the samples of `phase` (or those from `fromT` on): max, mean, last (MB). */
  summary(phase: string, window?: { fromT?: number; toT?: number }) {
    const picked = this.samples.filter(
      (s) =>
        s.phase === phase &&
        (window?.fromT === undefined || s.t >= window.fromT) &&
        (window?.toT === undefined || s.t <= window.toT),
    );
    const names = [...new Set(picked.flatMap((s) => Object.keys(s.rss)))].sort();
    const perProcess: Record<string, { maxMB: number; meanMB: number; lastMB: number; medianMB: number }> =
      {};
    for (const name of names) {
      const values = picked.map((s) => s.rss[name]).filter((v): v is number => v !== undefined);
      const sorted = [...values].sort((a, b) => a - b);
      perProcess[name] = {
        maxMB: sorted[sorted.length - 1] ?? NaN,
        meanMB: round(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)),
        medianMB: sorted[Math.floor(sorted.length / 2)] ?? NaN,
        lastMB: values[values.length - 1] ?? NaN,
      };
    }
    const totals = picked.map((s) => s.totalRss);
    return {
      samples: picked.length,
      seconds: picked.length > 0 ? round(picked[picked.length - 1].t - picked[0].t) : 0,
      perProcess,
      totalMaxMB: totals.reduce((a, b) => (b > a ? b : a), 0),
      totalLastMB: totals[totals.length - 1] ?? NaN,
    };
  }

  /** Every `everySeconds`-th sample, for the report's timeline. */
  timeline(everySeconds: number): Sample[] {
    let next = 0;
    return this.samples.filter((s) => {
      if (s.t < next) return false;
      next = s.t + everySeconds;
      return true;
    });
  }
}
