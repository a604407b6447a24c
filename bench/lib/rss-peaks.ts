import { type ConnectorMemory, connectorMemory } from './footprint-connectors';
import { MB, peakRssBytes, rssBytes } from './footprint-processes';
import { round } from './report';

/** A process's own account of its memory (its /health) at its highest RSS, and its live heap at most. */
interface OwnAccount {
  /** The /health reading with the highest RSS: what the heap held then (MB). */
  atHighestRss?: Omit<ConnectorMemory, 't'>;
  /** The most V8's heap held just after a full collection (MB): what was reachable, not garbage. */
  maxHeapAfterFullGcMB: number | null;
}

/**
 * Peak resident memory of named child processes while a bench runs: every process handed to
 * `watch` is read every `intervalMs` (VmRSS, and VmHWM, the kernel's own high-water mark, which
 * catches a peak between two reads), until it exits or `stop()`. Processes started deep inside a
 * bench's helpers are registered where they are started; the bench reports `peaks()`.
 */
export class RssPeaks {
  private readonly watched = new Map<
    string,
    { pid: number; peak: number; maxSampled: number; gone: boolean; health?: string; own: OwnAccount }
  >();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 500) {}

  /**
   * Follows `pid` under `name` (a later process under the same name keeps the higher peak); with
   * `healthUrl` (a connector's), its own account of its memory too, read at each sample.
   */
  watch(name: string, pid: number, healthUrl?: string): void {
    const earlier = this.watched.get(name);
    this.watched.set(name, {
      pid,
      peak: earlier?.peak ?? 0,
      maxSampled: earlier?.maxSampled ?? 0,
      gone: false,
      health: healthUrl,
      own: earlier?.own ?? { maxHeapAfterFullGcMB: null },
    });
    this.read();
    this.timer ??= setInterval(() => this.read(), this.intervalMs).unref();
  }

  stop(): void {
    this.read();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Per process: peak RSS (MB, the high-water mark), the highest of the periodic reads and, where
   * it has a /health, `own`: its heap at its highest RSS and its largest live heap.
   */
  peaks(): Record<string, { peakMB: number; maxSampledMB: number; own?: OwnAccount }> {
    this.read();
    return Object.fromEntries(
      [...this.watched].map(([name, w]) => [
        name,
        {
          peakMB: round(w.peak / MB),
          maxSampledMB: round(w.maxSampled / MB),
          ...(w.health ? { own: w.own } : {}),
        },
      ]),
    );
  }

  private read(): void {
    for (const w of this.watched.values()) {
      if (w.gone) continue;
      const rss = rssBytes(w.pid);
      // Exited: its peak is kept, and its pid, which the system may give to another process, no longer read.
      if (rss === undefined) {
        w.gone = true;
        continue;
      }
      w.maxSampled = Math.max(w.maxSampled, rss);
      w.peak = Math.max(w.peak, peakRssBytes(w.pid) ?? 0, rss);
      if (w.health) void this.readOwn(w.health, w.own);
    }
  }

  private async readOwn(url: string, own: OwnAccount): Promise<void> {
    const m = Object.values(await connectorMemory(new Map([['', url]]), 0))[0];
    if (!m) return;
    const { t: _t, ...memory } = m;
    if (!own.atHighestRss || memory.rss > own.atHighestRss.rss) own.atHighestRss = memory;
    if (m.heapAfterFullGc !== null)
      own.maxHeapAfterFullGcMB = Math.max(own.maxHeapAfterFullGcMB ?? 0, m.heapAfterFullGc);
  }
}

/** The connectors' peaks in `bench/sync` (registered by startConnectorProcess's callers). */
export const connectorRss = new RssPeaks();
