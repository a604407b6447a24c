import type { AuditCheckpoint } from './audit-checkpoints';

/** What the matcher reports: the verifier's `ChainProblem`, for the two kinds only checkpoints can find. */
export interface CheckpointFinding {
  seq: number;
  problem: 'rewritten' | 'tail-deleted';
  detail: string;
}

/**
 * Compares the chain, record by record in `seq` order, with signed checkpoints: each checkpoint's
 * hash must be the hash its record recomputes to. A rewrite re-hashed to the end passes every
 * link check but not this one. The first broken record is known to the checkpoints' precision:
 * after the last checkpoint that still holds, at or before the first that does not. A checkpoint
 * past the chain's end means records were deleted from the end.
 */
export class CheckpointMatcher {
  private readonly checkpoints: AuditCheckpoint[];
  private next = 0;
  /** The last sequence number a checkpoint vouched for (`from - 1` before any). */
  private lastGood: number;
  /** In a run of checkpoints that do not hold: reported once, at its start. */
  private inRun = false;

  constructor(
    checkpoints: readonly AuditCheckpoint[],
    private readonly from: number,
    to: number,
    private readonly report: (finding: CheckpointFinding) => void,
  ) {
    this.checkpoints = checkpoints
      .filter((c) => c.seq >= from && c.seq <= to)
      .sort((a, b) => a.seq - b.seq || a.time.localeCompare(b.time));
    this.lastGood = from - 1;
  }

  /** Checkpoints that took part (those in the verified range). */
  get count(): number {
    return this.checkpoints.length;
  }

  /** The record `seq` recomputes to `hash` (from its stored `prev_hash` and its content). */
  record(seq: number, hash: string): void {
    for (; this.next < this.checkpoints.length; this.next++) {
      const checkpoint = this.checkpoints[this.next];
      if (checkpoint.seq > seq) return;
      if (checkpoint.seq === seq && checkpoint.hash === hash) {
        this.lastGood = seq;
        this.inRun = false;
      } else {
        this.mismatch(checkpoint); // a different hash, or no record at that number any more
      }
    }
  }

  /** After the last record (`lastSeq`, undefined when none was read). */
  end(lastSeq: number | undefined): void {
    const beyond = this.checkpoints.slice(this.next);
    if (beyond.length === 0) return;
    const newest = beyond[beyond.length - 1];
    const end = lastSeq ?? this.from - 1;
    this.report({
      seq: end + 1,
      problem: 'tail-deleted',
      detail: `the chain ends at ${end}; a checkpoint signed ${newest.time} names seq ${newest.seq}`,
    });
    this.next = this.checkpoints.length;
  }

  private mismatch(checkpoint: AuditCheckpoint): void {
    if (this.inRun) return;
    this.inRun = true;
    const first = Math.min(this.lastGood + 1, checkpoint.seq);
    const span = first === checkpoint.seq ? `${first}` : `${first}-${checkpoint.seq}`;
    this.report({
      seq: first,
      problem: 'rewritten',
      detail: `${span} differ from the checkpoint of seq ${checkpoint.seq} signed ${checkpoint.time}`,
    });
  }
}
