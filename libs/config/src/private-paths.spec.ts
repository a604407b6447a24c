import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFixes, PrivatePathError, securePrivateTrees } from './private-paths';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('securePrivateTrees', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'passerelle-private-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A data directory as a umask of 022 leaves it: 0755 directories, 0644 files. */
  function openTree(): string {
    const dir = join(root, 'data');
    mkdirSync(join(dir, 'base', '1'), { recursive: true });
    writeFileSync(join(dir, 'admin-token'), 'x'.repeat(43));
    writeFileSync(join(dir, 'base', '1', '1259'), 'rows');
    for (const d of [dir, join(dir, 'base'), join(dir, 'base', '1')]) chmodSync(d, 0o755);
    for (const f of [join(dir, 'admin-token'), join(dir, 'base', '1', '1259')]) chmodSync(f, 0o644);
    return dir;
  }

  it('makes directories 0700 and files 0600, and reports what it fixed', () => {
    const dir = openTree();
    const reports = securePrivateTrees([{ variable: 'DATA_DIR', dir }]);
    expect(reports).toEqual([{ variable: 'DATA_DIR', dir, fixedDirs: 3, fixedFiles: 2 }]);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'base', '1'))).toBe(0o700);
    expect(mode(join(dir, 'admin-token'))).toBe(0o600);
    expect(mode(join(dir, 'base', '1', '1259'))).toBe(0o600);
    expect(describeFixes(reports)).toEqual([
      `DATA_DIR ${dir}: made 3 directories 0700 and 2 files 0600 (they were open to other users)`,
    ]);
    // A second start finds nothing to fix and says nothing.
    const again = securePrivateTrees([{ variable: 'DATA_DIR', dir }]);
    expect(again[0]).toMatchObject({ fixedDirs: 0, fixedFiles: 0 });
    expect(describeFixes(again)).toEqual([]);
  });

  it('keeps narrower modes as they are, and skips a tree that does not exist yet', () => {
    const dir = join(root, 'runs');
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, 'run.pdf'), '%PDF', { mode: 0o400 });
    const reports = securePrivateTrees([
      { variable: 'MAILROOM_DIR', dir },
      { variable: 'DATA_DIR', dir: join(root, 'not-yet') },
    ]);
    expect(reports).toEqual([{ variable: 'MAILROOM_DIR', dir, fixedDirs: 0, fixedFiles: 0 }]);
    expect(mode(join(dir, 'run.pdf'))).toBe(0o400);
  });

  it('leaves symbolic links inside a tree and what they point to alone', () => {
    const dir = openTree();
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, 'not ours to change');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(dir, 'link'));
    securePrivateTrees([{ variable: 'DATA_DIR', dir }]);
    expect(mode(outside)).toBe(0o644);
  });

  it('refuses, changing nothing, when an entry belongs to another user', () => {
    const dir = openTree();
    const uid = process.getuid?.() ?? 0;
    // As root the test hands a file to `nobody`; as any other user, a path root owns is another's.
    const foreign = uid === 0 ? join(dir, 'base', '1', '1259') : '/';
    if (uid === 0) chownSync(foreign, 65534, 65534);
    const trees = [
      { variable: 'DATA_DIR', dir },
      ...(uid === 0 ? [] : [{ variable: 'MAILROOM_DIR', dir: foreign }]),
    ];
    let error: unknown;
    try {
      securePrivateTrees(trees);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PrivatePathError);
    const { problems, message } = error as PrivatePathError;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${foreign} belongs to uid ${uid === 0 ? 65534 : 0}`);
    expect(message).toMatch(/chown -R/);
    // Refused before anything was fixed: the other entries keep their modes.
    expect(mode(dir)).toBe(0o755);
    expect(mode(join(dir, 'admin-token'))).toBe(0o644);
  });
});
