import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';

/**
 * Real processes for the end-to-end and fault tests: the built apps (`node dist/apps/<app>/src/
 * main.js`) and a dedicated redis-server, each a child of the jest worker. A child's output is
 * kept (the last lines) so a failure says what the processes said; every child is killed when
 * its group stops, and by an exit hook if the jest worker dies first.
 */

export type BuiltApp = 'hub' | 'worker' | 'connector' | 'sandbox';

const ROOT = resolve(__dirname, '../..');
/** The variable each app reads its HTTP port from. */
const PORT_VARIABLE: Record<BuiltApp, string> = {
  hub: 'PORT',
  worker: 'WORKER_PORT',
  connector: 'CONNECTOR_PORT',
  sandbox: 'SANDBOX_PORT',
};
/** What a child inherits from the test's environment: nothing that configures an app. */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
const OUTPUT_LINES = 300;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  /** Undefined while it runs. */
  readonly exit: Exit | undefined;
  /** The last lines it wrote (stdout and stderr). */
  output(): string;
  /** Sends `signal` and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

export interface AppChild extends Child {
  port: number;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
}

export interface RedisChild extends Child {
  port: number;
  url: string;
}

const living = new Set<ChildProcess>();
/** Last resort when the jest worker exits without afterAll: no orphan keeps a port or a lock. */
const killLiving = () => {
  for (const p of living) p.kill('SIGKILL');
};
// The hook is there only while children live: a worker runs many test files, each its own module.
function track(proc: ChildProcess): void {
  if (living.size === 0) process.on('exit', killLiving);
  living.add(proc);
}
function untrack(proc: ChildProcess): void {
  living.delete(proc);
  if (living.size === 0) process.off('exit', killLiving);
}

/** A free TCP port on 127.0.0.1 (chosen by the system, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const checkedBuilds = new Map<BuiltApp, string>();

/**
 * The built entry point of an app. Throws when it is missing (`npm test` builds first). Warns,
 * once, when a source file is newer than the build: the test then runs older code than the
 * checkout holds (after an edit, `npm run build` before jest).
 */
export function builtApp(app: BuiltApp): string {
  const known = checkedBuilds.get(app);
  if (known) return known;
  const file = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
  const build = 'npm run build (or: npx tsc -p tsconfig.build.json && npx tsc-alias -p tsconfig.build.json)';
  if (!existsSync(file))
    throw new Error(`${relative(ROOT, file)} is missing: these tests run the built apps; run ${build}`);
  const newer = newestSource(['apps', 'libs'].map((d) => join(ROOT, d)));
  if (newer && newer.mtimeMs > statSync(file).mtimeMs)
    console.warn(`${relative(ROOT, file)} is older than ${relative(ROOT, newer.path)}: run ${build}`);
  checkedBuilds.set(app, file);
  return file;
}

function newestSource(dirs: string[]): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)) {
        const mtimeMs = statSync(path).mtimeMs;
        if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
      }
    }
  };
  for (const dir of dirs) if (existsSync(dir)) visit(dir);
  return newest;
}

/** Every child a test file starts; `stopAll()` in afterAll ends those still running. */
export class Processes {
  private readonly children: Child[] = [];

  /** Starts any command; its environment is `env` plus PATH, HOME and the like, nothing else. */
  spawn(name: string, command: string, args: string[], env: Record<string, string> = {}): Child {
    const proc = spawn(command, args, {
      cwd: ROOT,
      env: { ...inherited(), NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (proc.pid === undefined) throw new Error(`${name}: ${command} could not be started`);
    track(proc);
    const lines: string[] = [];
    const collect = (stream: string) => (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') lines.push(`[${name} ${stream}] ${line}`);
      if (lines.length > OUTPUT_LINES) lines.splice(0, lines.length - OUTPUT_LINES);
    };
    proc.stdout.on('data', collect('out'));
    proc.stderr.on('data', collect('err'));
    let exit: Exit | undefined;
    const exited = new Promise<Exit>((done) => {
      proc.once('exit', (code, signal) => {
        untrack(proc);
        exit = { code, signal };
        done(exit);
      });
    });
    const child: Child = {
      name,
      pid: proc.pid,
      exited,
      get exit() {
        return exit;
      },
      output: () => lines.join('\n'),
      kill: (signal = 'SIGTERM') => {
        if (!exit) proc.kill(signal);
        return exited;
      },
    };
    this.children.push(child);
    return child;
  }

  /**
   * Starts a built app on `port` (a free one by default) with `env`, and waits until its
   * /health answers 200. Throws with the app's output if it exits or never answers.
   */
  async app(
    app: BuiltApp,
    options: { name?: string; env: Record<string, string>; port?: number; timeoutMs?: number },
  ): Promise<AppChild> {
    const port = options.port ?? (await freePort());
    const name = options.name ?? app;
    const child = this.spawn(name, process.execPath, [builtApp(app)], {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...options.env,
      [PORT_VARIABLE[app]]: String(port),
    });
    const url = `http://127.0.0.1:${port}`;
    await this.untilReady(child, `${url}/health`, () => httpOk(`${url}/health`), options.timeoutMs);
    return Object.assign(child, { port, url });
  }

  /** A redis-server of its own, without persistence (a restart loses every key). */
  async redis(options: { port?: number; name?: string } = {}): Promise<RedisChild> {
    const port = options.port ?? (await freePort());
    const child = this.spawn(options.name ?? 'redis', 'redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    await this.untilReady(child, `redis on port ${port}`, () => redisPing(port));
    return Object.assign(child, { port, url: `redis://127.0.0.1:${port}` });
  }

  /** The output of every child, for a failure message. */
  outputs(): string {
    return this.children.map((c) => `--- ${c.name} (pid ${c.pid}) ---\n${c.output()}`).join('\n');
  }

  /**
   * Polls `check` until it returns something other than undefined/false, then returns it. A check
   * that throws counts as not yet (a process may be restarting). Past the deadline, throws with
   * `what`, the last value or error, and every child's output.
   */
  async until<T>(
    what: string,
    check: () => Promise<T | undefined | false>,
    options: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    let last = '';
    for (;;) {
      try {
        const value = await check();
        if (value !== undefined && value !== false) return value;
        last = `last answer: ${JSON.stringify(value)}`;
      } catch (e) {
        last = `last error: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what} (${last})\n${this.outputs()}`);
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
    }
  }

  /** SIGTERM to every child still running, SIGKILL to those that linger. */
  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all(
      this.children.map(async (c) => {
        if (c.exit) return;
        const timer = setTimeout(() => void c.kill('SIGKILL'), graceMs);
        await c.kill('SIGTERM');
        clearTimeout(timer);
      }),
    );
  }

  private async untilReady(
    child: Child,
    what: string,
    ready: () => Promise<boolean>,
    timeoutMs = 60_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await ready())) {
      if (child.exit)
        throw new Error(
          `${child.name} exited (${child.exit.signal ?? `code ${child.exit.code}`}) before ${what} answered:\n${child.output()}`,
        );
      if (Date.now() > deadline) {
        await child.kill('SIGKILL');
        throw new Error(`${child.name}: ${what} did not answer within ${timeoutMs} ms:\n${child.output()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function inherited(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** True when a Redis server answers PING on the port. */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) finish(answer.startsWith('+PONG'));
    });
  });
}
