import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { onCleanup } from './cleanup';

/** Repository root, from dist/bench/lib once compiled. */
export const ROOT = resolve(__dirname, '../../..');

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export interface Child {
  pid: number;
  /** Last lines the child wrote, to explain a failure. */
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts `node <args>` with this process's environment minus `drop`, plus `env`; keeps the tail
 * of its output; the child is stopped at cleanup.
 */
export function spawnNode(
  args: string[],
  env: Record<string, string>,
  drop: readonly string[] = [],
): { child: ChildProcess } & Child {
  const inherited = { ...process.env };
  for (const name of drop) delete inherited[name];
  const child = spawn(process.execPath, args, {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  onCleanup(stop);
  return { child, pid: child.pid ?? -1, output: () => tail, stop };
}

/** Polls `url` until it answers 200; fails fast if the child dies or the deadline passes. */
export async function waitForHttp(url: string, child: ChildProcess, describe: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `child exited (${child.exitCode ?? child.signalCode}) before ${url} answered:\n${describe()}`,
      );
    }
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 within 60 s:\n${describe()}`);
}
