import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEED_STREAM, pullStream } from './cursor-store';
import { FileCursorStore } from './file-cursor-store';

describe('FileCursorStore', () => {
  let dir: string;
  const open: FileCursorStore[] = [];
  const openStore = async (agency = 'chu', initial?: Parameters<typeof FileCursorStore.open>[2]) => {
    const store = await FileCursorStore.open(dir, agency, initial);
    open.push(store);
    return store;
  };
  const closeAll = async () => {
    for (const s of open.splice(0)) await s.close();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'passerelle-cursors-'));
  });

  afterEach(async () => {
    await closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no cursor for a stream never followed', async () => {
    expect(await (await openStore()).get(pullStream('Patient'))).toBeUndefined();
  });

  it('stores, moves and forgets cursors per stream, in stream order', async () => {
    const cursors = await openStore();
    await cursors.set(pullStream('Patient'), '2026-01-01T00:00:00.000Z');
    await cursors.set(pullStream('Patient'), '2026-01-02T00:00:00.000Z');
    await cursors.set(FEED_STREAM, '17');
    expect(await cursors.get(pullStream('Patient'))).toBe('2026-01-02T00:00:00.000Z');
    expect((await cursors.all()).map((r) => [r.stream, r.position])).toEqual([
      ['feed', '17'],
      ['pull:Patient', '2026-01-02T00:00:00.000Z'],
    ]);
    await cursors.reset(FEED_STREAM);
    expect(await cursors.get(FEED_STREAM)).toBeUndefined();
  });

  it('keeps cursors across a restart, and concurrent changes in the order they were made', async () => {
    const cursors = await openStore();
    await Promise.all(Array.from({ length: 20 }, (_, i) => cursors.set(FEED_STREAM, String(i + 1))));
    await cursors.set(pullStream('Encounter'), '2026-02-02T00:00:00.000Z');
    await closeAll();
    const again = await openStore();
    expect(await again.get(FEED_STREAM)).toBe('20');
    expect(await again.get(pullStream('Encounter'))).toBe('2026-02-02T00:00:00.000Z');
  });

  it('locks the directory: a second process (or store) is refused while the first runs', async () => {
    await openStore();
    await expect(FileCursorStore.open(dir, 'chu')).rejects.toThrow(/in use by process/);
    await closeAll();
    await expect(openStore()).resolves.toBeDefined();
  });

  it('refuses a damaged file or another agency’s, rather than syncing everything again', async () => {
    await (await openStore()).set(FEED_STREAM, '3');
    await closeAll();
    const file = join(dir, 'cursors-chu.json');
    writeFileSync(file, '{"format": "passerelle-connector-cursors", "vers');
    await expect(FileCursorStore.open(dir, 'chu')).rejects.toThrow(
      /is not valid JSON.*remove it to sync from the start/,
    );
    const valid = { format: 'passerelle-connector-cursors', version: 1, agency: 'other', cursors: {} };
    writeFileSync(file, JSON.stringify(valid));
    await expect(FileCursorStore.open(dir, 'chu')).rejects.toThrow(/belongs to agency other/);
  });

  it('writes private files, and clears the temporary files a crash left', async () => {
    await (await openStore()).set(FEED_STREAM, '1');
    await closeAll();
    writeFileSync(join(dir, '.tmp-cursors-chu.json.999999'), 'half a wri');
    const again = await openStore();
    expect(await again.get(FEED_STREAM)).toBe('1');
    expect(readdirSync(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    const parsed = JSON.parse(readFileSync(join(dir, 'cursors-chu.json'), 'utf8')) as { agency: string };
    expect(parsed.agency).toBe('chu');
  });

  it('starts from the cursors it is given when there is no file yet, and only then', async () => {
    const at = new Date('2026-03-01T00:00:00Z');
    expect(
      await (
        await openStore('chu', [{ stream: FEED_STREAM, position: '41', updatedAt: at }])
      ).get(FEED_STREAM),
    ).toBe('41');
    await closeAll();
    const again = await openStore('chu', [{ stream: FEED_STREAM, position: '7', updatedAt: at }]);
    expect(await again.get(FEED_STREAM)).toBe('41');
  });
});
