import { formatProgress, Progress } from './progress';

function recorder() {
  const lines: string[] = [];
  return {
    lines,
    logger: { log: (m: string) => lines.push(m), warn: () => undefined, error: () => undefined },
  };
}

describe('progress', () => {
  it('formats counts, rate and, when the total is known, a bar', () => {
    expect(formatProgress('push Observation', 1500, undefined, 3000)).toBe('push Observation: 1500 (500/s)');
    expect(formatProgress('push Observation', 500, 2000, 1000)).toBe(
      'push Observation [######------------------] 25% 500/2000 (500/s)',
    );
  });

  it('draws a \\r bar on a terminal and logs counts every few seconds', () => {
    let now = 0;
    const written: string[] = [];
    const { lines, logger } = recorder();
    const progress = new Progress(
      {
        logger,
        output: { isTTY: true, write: (t) => (written.push(t), true) },
        logEveryMs: 5000,
        now: () => now,
      },
      'push Patient',
    );
    progress.setTotal(300);
    now = 1000;
    progress.add(100);
    now = 6000;
    progress.add(100);
    now = 6080;
    progress.add(100);
    progress.finish();
    expect(written[0]).toBe('\rpush Patient [########----------------] 33% 100/300 (100/s)\x1b[K');
    // Redrawn at most every 100 ms; cleared at the end.
    expect(written).toHaveLength(3);
    expect(written[2]).toBe('\r\x1b[K');
    expect(lines).toEqual([
      'push Patient [################--------] 67% 200/300 (33/s)',
      'push Patient: 300 (49/s) in 6.1 s',
    ]);
  });

  it('draws nothing when stderr is not a terminal, and logs nothing when nothing moved', () => {
    const written: string[] = [];
    const { lines, logger } = recorder();
    const progress = new Progress(
      { logger, output: { isTTY: false, write: (t) => (written.push(t), true) } },
      'apply feed',
    );
    progress.finish();
    expect(written).toEqual([]);
    expect(lines).toEqual([]);
  });
});
