import { MB, peakRssBytes, rssBytes } from './footprint-processes';
import { round } from './report';

/**
 * Peak resident memory of named child processes while a bench runs: every process handed to
 * `watch` is read every `intervalMs` (VmRSS, and VmHWM, the kernel's own high-water mark, which
 * catches a peak between two reads), until it exits or `stop()`. Processes started deep inside a
 * bench's helpers are registered where they are started; the bench reports `peaks()`.
 */
export class RssPeaks {
  private readonly watched = new Map<
    string,
    { pid: number; peak: number; maxSampled: number; gone: boolean }
  >();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 500) {}

  /** Follows `pid` under `name` (a later process under the same name keeps the higher peak). */
  watch(name: string, pid: number): void {
    const earlier = this.watched.get(name);
    this.watched.set(name, {
      pid,
      peak: earlier?.peak ?? 0,
      maxSampled: earlier?.maxSampled ?? 0,
      gone: false,
    });
    this.read();
    this.timer ??= setInterval(() => this.read(), this.intervalMs).unref();
  }

  stop(): void {
    this.read();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Per process: peak RSS (MB, the high-water mark) and the highest of the periodic reads. */
  peaks(): Record<string, { peakMB: number; maxSampledMB: number }> {
    this.read();
    return Object.fromEntries(
      [...this.watched].map(([name, w]) => [
        name,
        { peakMB: round(w.peak / MB), maxSampledMB: round(w.maxSampled / MB) },
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
    }
  }
}

/** The connectors' peaks in `bench/sync` (registered by startConnectorProcess's callers). */
export const connectorRss = new RssPeaks();
