import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * Where CPU time goes during a phase, from /proc (Linux only; empty elsewhere): the server process (hub),
 * every PostgreSQL process, this bench process (the load generator) and the whole machine. On a
 * small machine they all share the same cores, so this says who the bottleneck is.
 */
const TICK_MS = 10; // USER_HZ is 100 on Linux

interface Snapshot {
  at: number;
  cpuCount: number;
  procs: Map<number, { comm: string; ticks: number }>;
  machineBusy: number;
  machineTotal: number;
}

function readStat(pid: number): { comm: string; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // utime and stime are fields 14 and 15; fields[] starts at field 3.
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

export function snapshot(): Snapshot {
  const procs = new Map<number, { comm: string; ticks: number }>();
  let machineBusy = 0;
  let machineTotal = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readStat(Number(entry));
      if (stat) procs.set(Number(entry), stat);
    }
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
    machineTotal = cpu.reduce((a, b) => a + b, 0);
    machineBusy = machineTotal - cpu[3] - cpu[4]; // minus idle and iowait
  } catch {
    // Not Linux: the report just has no CPU breakdown.
  }
  return { at: performance.now(), cpuCount: cpus().length, procs, machineBusy, machineTotal };
}

export interface CpuBreakdown {
  /** CPU seconds per second of wall time (1.0 = one core fully busy). */
  serverCores: number;
  postgresCores: number;
  benchCores: number;
  machineBusyCores: number;
  /** Everything else on the machine (other jobs): the figures are noisy when this is not ~0. */
  otherCores: number;
  cores: number;
}

function ticksOf(before: Snapshot, after: Snapshot, match: (pid: number, comm: string) => boolean): number {
  let ticks = 0;
  for (const [pid, now] of after.procs) {
    if (!match(pid, now.comm)) continue;
    ticks += now.ticks - (before.procs.get(pid)?.ticks ?? 0);
  }
  return ticks;
}

export function cpuBetween(
  before: Snapshot,
  after: Snapshot,
  serverPid: number,
  cores: number,
): CpuBreakdown {
  const seconds = (after.at - before.at) / 1000;
  const rate = (ticks: number) => Math.round(((ticks * TICK_MS) / 1000 / seconds) * 100) / 100;
  const machineShare =
    after.machineTotal > before.machineTotal
      ? (after.machineBusy - before.machineBusy) / (after.machineTotal - before.machineTotal)
      : 0;
  const server = rate(ticksOf(before, after, (pid) => pid === serverPid));
  const postgres = rate(ticksOf(before, after, (_pid, comm) => comm === 'postgres'));
  const bench = rate(ticksOf(before, after, (pid) => pid === process.pid));
  const busy = Math.round(machineShare * cores * 100) / 100;
  return {
    serverCores: server,
    postgresCores: postgres,
    benchCores: bench,
    machineBusyCores: busy,
    otherCores: Math.max(0, Math.round((busy - server - postgres - bench) * 100) / 100),
    cores,
  };
}

/**
 * CPU cores used by the given processes between two snapshots: the benchmarked database's own
 * backends, apart from other databases' on a shared server.
 */
export function coresOf(before: Snapshot, after: Snapshot, pids: ReadonlySet<number>): number {
  const seconds = (after.at - before.at) / 1000;
  return (
    Math.round(((ticksOf(before, after, (pid) => pids.has(pid)) * TICK_MS) / 1000 / seconds) * 100) / 100
  );
}

/**
 * Waits (at most `maxMs`) until the machine is nearly idle before a measured phase, since other
 * jobs on a shared machine skew the figures; returns the busy cores seen last, for the report.
 */
export async function waitForQuiet(maxMs = 90_000, threshold = 0.25): Promise<number> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const before = snapshot();
    await new Promise((r) => setTimeout(r, 1000));
    const after = snapshot();
    const total = after.machineTotal - before.machineTotal;
    const cores = total > 0 ? ((after.machineBusy - before.machineBusy) / total) * (after.cpuCount || 1) : 0;
    if (cores <= threshold || Date.now() >= deadline) return Math.round(cores * 100) / 100;
  }
}
