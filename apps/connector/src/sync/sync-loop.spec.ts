import type { ApplyReport } from './applier';
import type { PullReport } from './publisher';
import { SyncLoop } from './sync-loop';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const pulled: PullReport = { byType: {}, rounds: 1 };
const applied = {} as ApplyReport;

describe('SyncLoop', () => {
  it('on stop lets the pull in hand finish, then ends without starting anything else', async () => {
    const calls: string[] = [];
    let finishPull: () => void = () => undefined;
    let pullStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (pullStarted = resolve));
    const loop = new SyncLoop(
      {
        pullOnce: () => {
          calls.push('pull');
          pullStarted();
          return new Promise<PullReport>((resolve) => (finishPull = () => resolve(pulled)));
        },
        applyOnce: () => {
          calls.push('apply');
          return Promise.resolve(applied);
        },
      },
      60_000,
      quiet,
    );
    loop.start();
    await started;
    const stopping = loop.stop();
    expect(loop.isRunning).toBe(true);
    finishPull();
    await stopping;
    expect(loop.isRunning).toBe(false);
    expect(calls).toEqual(['pull']);
  });

  it('goes on after a failed direction, cycle after cycle', async () => {
    const calls: string[] = [];
    const loop = new SyncLoop(
      {
        pullOnce: () => {
          calls.push('pull');
          return calls.length === 1 ? Promise.reject(new Error('hub down')) : Promise.resolve(pulled);
        },
        applyOnce: () => {
          calls.push('apply');
          return Promise.resolve(applied);
        },
      },
      1,
      quiet,
    );
    loop.start();
    while (calls.length < 6) await new Promise((r) => setTimeout(r, 2));
    await loop.stop();
    expect(calls.slice(0, 6)).toEqual(['pull', 'apply', 'pull', 'apply', 'pull', 'apply']);
  });
});
