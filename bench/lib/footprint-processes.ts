import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One process of the demo, named as the demo names it: hub, sandbox, connector:<agency>. */
export interface DemoProcess {
  name: string;
  pid: number;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // gone
  }
}

/** The processes the demo (`pid`) started: its children, named by their script and CLIENT_ID. */
export function demoChildren(pid: number): DemoProcess[] {
  const found: DemoProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = Number(entry);
    const stat = readProc(child, 'stat');
    // Fields after the command name, which may hold spaces: state, ppid, ...
    const ppid = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : NaN;
    if (ppid !== pid) continue;
    const cmdline = (readProc(child, 'cmdline') ?? '').split('\0').join(' ');
    if (cmdline.includes('hub/src/main.js')) found.push({ name: 'hub', pid: child });
    else if (cmdline.includes('sandbox/src/main.js')) found.push({ name: 'sandbox', pid: child });
    else if (cmdline.includes('connector/src/main.js')) {
      const env = (readProc(child, 'environ') ?? '').split('\0');
      const id = env.find((v) => v.startsWith('CLIENT_ID='))?.slice('CLIENT_ID='.length) ?? String(child);
      found.push({ name: `connector:${id}`, pid: child });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Resident set size in bytes (VmRSS), undefined once the process is gone. */
export function rssBytes(pid: number): number | undefined {
  const status = readProc(pid, 'status');
  const kb = status?.match(/^VmRSS:\s+(\d+) kB/m)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** Peak resident set size in bytes (VmHWM): catches a peak between two samples. */
export function peakRssBytes(pid: number): number | undefined {
  const status = readProc(pid, 'status');
  const kb = status?.match(/^VmHWM:\s+(\d+) kB/m)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** Bytes of the regular files under `dir` (0 when it does not exist). */
export function dirBytes(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) total += dirBytes(path);
    else if (stat?.isFile()) total += stat.size;
  }
  return total;
}

export const MB = 2 ** 20;
