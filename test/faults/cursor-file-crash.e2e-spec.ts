import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FEED_STREAM, FileCursorStore } from '../../apps/connector/src';

/**
 * Fault: a connector killed (SIGKILL) while it writes its cursor file, again and again. Each time,
 * the file left behind is whole — the previous state or a newer one, never torn — and holds at
 * least every cursor whose write had returned before the kill (a returned write is durable).
 * The writer is the built FileCursorStore in a process of its own, so the kill lands anywhere
 * inside a write: mid-`write`, between `fsync` and `rename`, or after.
 */
const STORE = resolve(__dirname, '../../dist/apps/connector/src/cursors/file-cursor-store.js');
const WRITER = `
  const { FileCursorStore } = require(${JSON.stringify(STORE)});
  (async () => {
    const store = await FileCursorStore.open(process.argv[1], 'chu');
    let n = Number((await store.get('feed')) ?? '0');
    for (;;) {
      n += 1;
      await store.set('feed', String(n));
      process.stdout.write(n + '\\n'); // written: durable from here on
    }
  })();
`;

function startWriter(dir: string): { child: ChildProcess; acked: () => number } {
  const child = spawn(process.execPath, ['-e', WRITER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = 0;
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line) last = Number(line);
  });
  return { child, acked: () => last };
}

describe('fault: a connector killed while writing its cursor file', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'passerelle-cursor-crash-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves a whole file holding every acknowledged cursor, kill after kill', async () => {
    let floor = 0;
    for (let round = 0; round < 12; round++) {
      const { child, acked } = startWriter(dir);
      // Once it writes, let it go on for a little while: the kill lands in the stream of writes.
      for (let waited = 0; acked() === 0 && waited < 20_000; waited += 10) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, (round * 7) % 40));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const acknowledged = acked();

      const text = readFileSync(join(dir, 'cursors-chu.json'), 'utf8');
      expect(() => JSON.parse(text) as unknown).not.toThrow();
      const store = await FileCursorStore.open(dir, 'chu'); // takes over the dead writer's lock
      const position = Number(await store.get(FEED_STREAM));
      await store.close();
      expect(position).toBeGreaterThanOrEqual(Math.max(acknowledged, floor));
      // At most the one write in flight when the kill landed went through unacknowledged.
      expect(position).toBeLessThanOrEqual(Math.max(acknowledged, floor) + 1);
      floor = position;
    }
    expect(floor).toBeGreaterThanOrEqual(12); // the writers did write, round after round
  }, 60_000);
});
