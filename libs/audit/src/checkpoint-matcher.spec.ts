import type { AuditCheckpoint } from './audit-checkpoints';
import { type CheckpointFinding, CheckpointMatcher } from './checkpoint-matcher';

const h = (n: number, forged = false) => (forged ? 'f' : 'a').repeat(63) + String(n % 10);
const at = (seq: number, hash = h(seq)): AuditCheckpoint => ({
  seq,
  hash,
  time: `2026-12-07T00:00:${String(seq).padStart(2, '0')}.000Z`,
  key: 'k',
  sig: 's',
});

/** Walks records `from`..`last`, `forged` recomputing to another hash than the one signed. */
function walk(
  checkpoints: AuditCheckpoint[],
  records: { from: number; last: number; forged?: number[]; missing?: number[] },
  range: { from?: number; to?: number } = {},
): CheckpointFinding[] {
  const findings: CheckpointFinding[] = [];
  const matcher = new CheckpointMatcher(
    checkpoints,
    range.from ?? 1,
    range.to ?? Number.MAX_SAFE_INTEGER,
    (f) => findings.push(f),
  );
  let last: number | undefined;
  for (let seq = records.from; seq <= records.last; seq++) {
    if (records.missing?.includes(seq)) continue;
    matcher.record(seq, h(seq, records.forged?.includes(seq)));
    last = seq;
  }
  matcher.end(last);
  return findings;
}

describe('CheckpointMatcher', () => {
  it('finds nothing when every checkpoint holds', () => {
    expect(walk([at(3), at(3), at(7)], { from: 1, last: 9 })).toEqual([]);
  });

  it('places a rewrite after the last checkpoint that holds, once per run', () => {
    const findings = walk([at(2), at(4), at(6), at(8)], { from: 1, last: 9, forged: [5, 6, 7, 8, 9] });
    expect(findings).toEqual([
      { seq: 5, problem: 'rewritten', detail: expect.stringMatching(/^5-6 differ/) as string },
    ]);
  });

  it('reports each run: a rewrite re-hashed only part of the way lets a later checkpoint hold', () => {
    const findings = walk([at(2), at(4), at(6), at(8)], { from: 1, last: 9, forged: [3, 4, 8] });
    expect(findings.map((f) => [f.seq, f.problem])).toEqual([
      [3, 'rewritten'],
      [7, 'rewritten'],
    ]);
  });

  it('treats a checkpointed record that is gone as rewritten, and a checkpoint past the end as a deleted tail', () => {
    expect(walk([at(4)], { from: 1, last: 9, missing: [4] })).toEqual([
      { seq: 1, problem: 'rewritten', detail: expect.stringMatching(/^1-4 differ/) as string },
    ]);
    expect(walk([at(4), at(12)], { from: 1, last: 9 })).toEqual([
      {
        seq: 10,
        problem: 'tail-deleted',
        detail: expect.stringMatching(/^the chain ends at 9; .* names seq 12$/) as string,
      },
    ]);
  });

  it('uses only the checkpoints of the verified range', () => {
    expect(walk([at(2), at(12)], { from: 3, last: 9 }, { from: 3, to: 9 })).toEqual([]);
    expect(walk([at(6, h(6, true))], { from: 3, last: 9 }, { from: 3, to: 9 })).toEqual([
      { seq: 3, problem: 'rewritten', detail: expect.stringMatching(/^3-6 differ/) as string },
    ]);
  });
});
