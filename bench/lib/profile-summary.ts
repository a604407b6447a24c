/**
 * Summarises a hub CPU profile (from `--profile`): where the hub's CPU went during the measured
 * phase only (the window the bench printed), by package or app folder, by function (self time),
 * and inclusive time of the functions named on the command line.
 * Run: node dist/bench/lib/profile-summary.js <file.cpuprofile> [fromUs toUs] [function ...]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** `node_modules/<pkg>` (scoped too), else the repository folder, else the node internals. */
function area(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const d = /dist\/((?:apps|libs)\/[^/]+\/src\/[^/]+)/.exec(url);
  if (d) return d[1];
  return url.startsWith('node:') ? 'node internals' : url === '' ? '(native/vm)' : url;
}

function main(): void {
  const [file, from, to, ...names] = process.argv.slice(2);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const lo = Number(from ?? 0);
  const hi = Number(to ?? Infinity);
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let t = profile.startTime;
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (t < lo || t > hi) return;
    const node = byId.get(id)!;
    const f = node.callFrame;
    // Percentages are of busy time: idle is the hub waiting (for the database, or for requests).
    if (f.functionName === '(idle)') {
      idle += dt;
      return;
    }
    total += dt;
    const key = `${f.functionName || '(anonymous)'} ${area(f.url)}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    areas.set(area(f.url), (areas.get(area(f.url)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const name = byId.get(n)!.callFrame.functionName;
      if (names.includes(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
      }
    }
  });
  const table = (m: Map<string, number>, top: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) =>
          `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`,
      )
      .join('\n');
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
  console.log(
    `busy: ${ms(total)}, idle: ${ms(idle)} (${((100 * idle) / (idle + total)).toFixed(1)}% of the window)`,
  );
  console.log(`\n-- by area (self, % of busy) --\n${table(areas, 25)}`);
  console.log(`\n-- by function (self, % of busy) --\n${table(self, 40)}`);
  if (names.length > 0) console.log(`\n-- inclusive (% of busy) --\n${table(inclusive, names.length)}`);
}

main();
