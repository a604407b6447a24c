import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * CPU seconds per second of wall time for each process of an exchange (hub, worker, connectors,
 * agency servers), PostgreSQL, Redis, this bench and the machine, from /proc (Linux; empty
 * elsewhere). On a small machine all of them share the cores: this says which one is the limit,
 * and `other` says whether something outside the benchmark shared the machine.
 */
const TICK_MS = 10; // USER_HZ is 100 on Linux

interface ProcSample {
  comm: string;
  ticks: number;
}

export interface CpuSample {
  at: number;
  procs: Map<number, ProcSample>;
  machineBusy: number;
  machineTotal: number;
}

function readStat(pid: number): ProcSample | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat; fields[] starts at field 3.
    return { comm: text.slice(text.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

export function cpuSample(): CpuSample {
  const procs = new Map<number, ProcSample>();
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
    // Not Linux: no breakdown.
  }
  return { at: performance.now(), procs, machineBusy, machineTotal };
}

/** Cores used per named process between two samples, plus postgres, redis, bench, machine and other. */
export function coresBetween(
  before: CpuSample,
  after: CpuSample,
  named: Record<string, number>,
): Record<string, number> {
  const seconds = (after.at - before.at) / 1000;
  const cores = (ticks: number) => Math.round(((ticks * TICK_MS) / 1000 / seconds) * 100) / 100;
  const ticksWhere = (match: (pid: number, comm: string) => boolean) => {
    let ticks = 0;
    for (const [pid, now] of after.procs) {
      if (match(pid, now.comm)) ticks += now.ticks - (before.procs.get(pid)?.ticks ?? 0);
    }
    return ticks;
  };
  const out: Record<string, number> = {};
  let accounted = 0;
  for (const [name, pid] of Object.entries(named)) {
    out[name] = cores(ticksWhere((p) => p === pid));
    accounted += out[name];
  }
  out.postgres = cores(ticksWhere((_p, comm) => comm === 'postgres'));
  out.redis = cores(ticksWhere((_p, comm) => comm.startsWith('redis-server')));
  out.bench = cores(ticksWhere((p) => p === process.pid));
  accounted += out.postgres + out.redis + out.bench;
  const share =
    after.machineTotal > before.machineTotal
      ? (after.machineBusy - before.machineBusy) / (after.machineTotal - before.machineTotal)
      : 0;
  out.machineBusy = Math.round(share * cpus().length * 100) / 100;
  out.other = Math.max(0, Math.round((out.machineBusy - accounted) * 100) / 100);
  out.cores = cpus().length;
  return out;
}
