import type { LoggerService } from '@nestjs/common';

/** Where a terminal progress line goes; injected so specs can read it. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): boolean;
}

export interface ProgressOptions {
  logger: LoggerService;
  /** stderr by default; the bar is drawn only when it is a terminal. */
  output?: ProgressOutput;
  /** Minimum time between log lines while a pass runs (the bar redraws at most every 100 ms). */
  logEveryMs?: number;
  now?: () => number;
}

/** Counts only: a progress line never names a patient or a resource id. */
export function formatProgress(
  label: string,
  done: number,
  total: number | undefined,
  elapsedMs: number,
): string {
  const rate = elapsedMs > 0 ? Math.round((done * 1000) / elapsedMs) : 0;
  if (total === undefined || total <= 0) return `${label}: ${done} (${rate}/s)`;
  const ratio = Math.min(1, done / total);
  const width = 24;
  const filled = Math.round(ratio * width);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(ratio * 100)}% ${done}/${total} (${rate}/s)`;
}

/**
 * Progress of one pass over a stream (a type being pushed, the feed being applied): a log line
 * with counts and rate every few seconds and at the end, and a `\r` progress bar on stderr when
 * it is a terminal. A pass that moves nothing logs nothing.
 */
export class Progress {
  private readonly output: ProgressOutput;
  private readonly now: () => number;
  private readonly logEveryMs: number;
  private started = 0;
  private lastLog = 0;
  private lastDraw = 0;
  private drawn = false;
  done = 0;

  constructor(
    private readonly options: ProgressOptions,
    private readonly label: string,
    private total?: number,
  ) {
    this.output = options.output ?? process.stderr;
    this.now = options.now ?? Date.now;
    this.logEveryMs = options.logEveryMs ?? 5000;
    this.started = this.now();
    this.lastLog = this.started;
  }

  /** The server's count of what remains, when it gives one (`Bundle.total`). */
  setTotal(total: number | undefined): void {
    if (total !== undefined && total >= 0) this.total = this.done + total;
  }

  add(n: number): void {
    if (n <= 0) return;
    this.done += n;
    const now = this.now();
    if (this.output.isTTY && now - this.lastDraw >= 100) {
      this.output.write(`\r${formatProgress(this.label, this.done, this.total, now - this.started)}\x1b[K`);
      this.lastDraw = now;
      this.drawn = true;
    }
    if (now - this.lastLog >= this.logEveryMs) {
      this.lastLog = now;
      this.options.logger.log(
        formatProgress(this.label, this.done, this.total, now - this.started),
        'Progress',
      );
    }
  }

  /** Ends the pass: clears the bar and logs the final count when anything moved. `extra` adds other counts. */
  finish(extra = ''): void {
    if (this.drawn) this.output.write('\r\x1b[K');
    if (this.done === 0 && extra === '') return;
    const elapsed = this.now() - this.started;
    const line = formatProgress(this.label, this.done, undefined, elapsed);
    this.options.logger.log(
      `${line} in ${(elapsed / 1000).toFixed(1)} s${extra ? `; ${extra}` : ''}`,
      'Progress',
    );
  }
}
