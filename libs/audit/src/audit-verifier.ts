import type { AuditEvent } from 'fhir/r4';
import type { KeyObject } from 'node:crypto';
import type { Db } from '@passerelle/store';
import { archiveAnchor } from './audit-archive';
import { type AuditCheckpoint, type CheckpointProblem, readCheckpoints } from './audit-checkpoints';
import { columnsOf } from './audit-columns';
import { auditProjectedThrough } from './audit-projection';
import { GENESIS_HASH, linkHash } from './canonical-json';
import { CheckpointMatcher } from './checkpoint-matcher';

export type ChainProblemKind =
  'edited' | 'deleted' | 'reordered' | 'broken-link' | 'rewritten' | 'tail-deleted' | 'projection';

export interface ChainProblem {
  /** The record at fault; for `deleted`, the first missing sequence number. */
  seq: number;
  problem: ChainProblemKind;
  detail?: string;
}

export interface ChainVerification {
  ok: boolean;
  /** Records read. */
  checked: number;
  problems: ChainProblem[];
  /** More problems were found than reported. */
  truncated?: boolean;
  /** Records up to this `seq` are in archived months (detached): the walk started after it. */
  archivedThrough?: number;
  /** The last record checked: keep its hash outside the database to detect a truncated tail later. */
  last?: { seq: number; hash: string };
  /** When checked against signed checkpoints: how many were read, held, and which lines are forged or damaged. */
  checkpoints?: CheckpointReport;
}

export interface CheckpointReport {
  /** Lines read from the checkpoint files. */
  read: number;
  /** Checkpoints with a valid signature whose sequence number is in the verified range. */
  used: number;
  /** Lines that cannot be trusted (unreadable, unknown key, bad signature): they make `ok` false. */
  problems: CheckpointProblem[];
  /** The newest valid checkpoint's sequence number and time. */
  newest?: { seq: number; time: string };
}

export interface VerifyOptions {
  fromSeq?: number;
  toSeq?: number;
  /** Rows read per query (memory stays flat whatever the trail's size). Default 1000. */
  chunkSize?: number;
  /** Problems reported at most. Default 1000. */
  maxProblems?: number;
  /** Signed checkpoints (signatures already checked) the chain must pass through. */
  checkpoints?: readonly AuditCheckpoint[];
}

/** A record of the log: what the chain covers. */
interface Row {
  seq: string;
  content: string;
  hash: string;
  prev_hash: string;
}

/**
 * A row of the projection (`audit_event`): what searches and access reports search on. The
 * content they show is the log's (migration 1765900000000).
 */
interface Projected {
  seq: string;
  id: string;
  recorded: Date;
  patient_id: string | null;
  agency: string | null;
  interaction: string;
  outcome: string;
  break_glass: boolean;
  hash: string;
  prev_hash: string;
}

/** Finding where a broken link points costs a scan; past this many, a break is just `broken-link`. */
const MAX_LINK_LOOKUPS = 100;

/**
 * Why the projection's row of a log record does not show that record; undefined when it does.
 * Its columns must be those the log's content gives (`columnsOf`), whatever the log's own copy
 * of them (unhashed, there for the projection to copy) says.
 */
function projectionProblem(log: Row, row: Projected | undefined): string | undefined {
  if (!row) return 'missing from audit_event';
  if (row.hash !== log.hash || row.prev_hash !== log.prev_hash) return 'hashes differ from the log';
  return consistent(row, log.content) ? undefined : 'a column differs from the content';
}

function consistent(row: Projected, content: string): boolean {
  try {
    const c = columnsOf(JSON.parse(content) as AuditEvent);
    return (
      c.id === row.id &&
      c.recorded.getTime() === row.recorded.getTime() &&
      c.patientId === row.patient_id &&
      c.agency === row.agency &&
      c.interaction === row.interaction &&
      c.outcome === row.outcome &&
      c.breakGlass === row.break_glass
    );
  } catch {
    return false; // content that is not an AuditEvent any more
  }
}

/**
 * Re-walks the chain (the log, `audit_log`) in `seq` order, in chunks. Each record must hash to
 * its `hash` from its `prev_hash` and content (else `edited`); numbers must follow without gaps (else `deleted`, at the first missing number); each
 * `prev_hash` must be the previous record's `hash` (else `reordered` when it names another
 * record of the trail, `broken-link` when it names none: a record edited and re-hashed, or a
 * deletion with renumbering). Deleting the newest records, or rewriting a record and re-hashing
 * everything after it, leaves no trace in the chain itself: `checkpoints` (signed, see
 * `verifyAuditTrail`) show both (`tail-deleted`, `rewritten`). The projection (`audit_event`,
 * what searches and access reports search on) must hold a row for every record it has reached,
 * with the record's hashes and the columns its content gives, and nothing else (else
 * `projection`: a row edited, deleted or added to hide a record from a patient's access report,
 * or to invent one). What they show of a record is the log's content itself.
 */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<ChainVerification> {
  let from = Math.max(1, Math.floor(options.fromSeq ?? 1));
  const to = options.toSeq !== undefined ? Math.floor(options.toSeq) : Number.MAX_SAFE_INTEGER;
  const chunk = Math.max(1, options.chunkSize ?? 1000);
  const maxProblems = Math.max(1, options.maxProblems ?? 1000);
  const problems: ChainProblem[] = [];
  let truncated = false;
  const report = (p: ChainProblem) => {
    if (problems.length < maxProblems) problems.push(p);
    else truncated = true;
  };

  // Detached months: the chain kept starts after the archive's end and links to its hash, which
  // must be the hash a signed checkpoint of that record names, if one does.
  const anchor = await archiveAnchor(db);
  let prevHash: string | undefined = GENESIS_HASH;
  if (anchor && from - 1 <= anchor.lastSeq && anchor.lastSeq > 0) {
    from = anchor.lastSeq + 1;
    prevHash = anchor.lastHash;
    const signed = options.checkpoints?.find((c) => c.seq === anchor.lastSeq && c.hash !== anchor.lastHash);
    if (signed)
      report({
        seq: anchor.lastSeq,
        problem: 'rewritten',
        detail: `the archive ends at a hash that differs from the checkpoint of seq ${signed.seq} signed ${signed.time}`,
      });
  } else if (from > 1) {
    const before: { hash: string }[] = await db.query('SELECT hash FROM audit_log WHERE seq = $1', [
      from - 1,
    ]);
    prevHash = before[0]?.hash; // unknown: the first link of the range cannot be checked
  }
  const matcher = new CheckpointMatcher(options.checkpoints ?? [], from, to, report);
  let prevSeq = from - 1;
  let checked = 0;
  let lookups = 0;
  let last: ChainVerification['last'];
  const projectedThrough = await auditProjectedThrough(db);

  for (let cursor = from - 1; ;) {
    const rows: Row[] = await db.query(
      `SELECT seq, content, hash, prev_hash FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [cursor, to, chunk],
    );
    const through = rows.length < chunk ? to : Number(rows[rows.length - 1]?.seq ?? cursor);
    const projected = await projectionOf(db, cursor, Math.min(through, projectedThrough));
    for (const row of rows) {
      const seq = Number(row.seq);
      checked++;
      const recomputed = linkHash(row.prev_hash, row.content);
      if (recomputed !== row.hash) report({ seq, problem: 'edited' });
      if (seq <= projectedThrough) {
        const detail = projectionProblem(row, projected.rows.get(seq));
        if (detail) report({ seq, problem: 'projection', detail });
      }
      projected.rows.delete(seq);
      matcher.record(seq, recomputed);
      if (seq > prevSeq + 1) {
        const detail = seq - 1 > prevSeq + 1 ? `${prevSeq + 1}-${seq - 1} missing` : `${prevSeq + 1} missing`;
        report({ seq: prevSeq + 1, problem: 'deleted', detail });
      } else if (prevHash !== undefined && row.prev_hash !== prevHash) {
        let owner: number | undefined;
        if (lookups++ < MAX_LINK_LOOKUPS) {
          const found: { seq: string }[] = await db.query(
            'SELECT seq FROM audit_log WHERE hash = $1 LIMIT 1',
            [row.prev_hash],
          );
          owner = found[0] ? Number(found[0].seq) : undefined;
        }
        report(
          owner !== undefined
            ? { seq, problem: 'reordered', detail: `chained after ${owner}` }
            : { seq, problem: 'broken-link' },
        );
      }
      prevSeq = seq;
      prevHash = row.hash;
      last = { seq, hash: row.hash };
    }
    for (const seq of [...projected.rows.keys(), ...projected.duplicates])
      report({ seq, problem: 'projection', detail: 'in audit_event, not in the log' });
    if (rows.length < chunk) break;
    cursor = prevSeq;
  }
  // Rows the projection holds past its cursor (read at the start) must be records of the log too.
  const invented: { seq: string }[] = await db.query(
    `SELECT e.seq FROM audit_event e WHERE e.seq > $1 AND e.seq <= $2
        AND NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.seq = e.seq AND l.hash = e.hash)
      ORDER BY e.seq LIMIT 100`,
    [Math.max(projectedThrough, from - 1), to],
  );
  for (const { seq } of invented)
    report({ seq: Number(seq), problem: 'projection', detail: 'in audit_event, not in the log' });
  matcher.end(last?.seq);
  // A checkpoint finding names an earlier record than the walk had reached: in order, by record.
  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0,
    checked,
    problems,
    ...(truncated ? { truncated } : {}),
    ...(anchor && anchor.lastSeq > 0 ? { archivedThrough: anchor.lastSeq } : {}),
    ...(last ? { last } : {}),
  };
}

/** The projection's rows in (after, through], by seq; a seq seen twice is a duplicate. */
async function projectionOf(
  db: Db,
  after: number,
  through: number,
): Promise<{ rows: Map<number, Projected>; duplicates: number[] }> {
  const rows = new Map<number, Projected>();
  const duplicates: number[] = [];
  if (through <= after) return { rows, duplicates };
  const found: Projected[] = await db.query(
    `SELECT seq, id, recorded, patient_id, agency, interaction, outcome, break_glass, hash, prev_hash
       FROM audit_event WHERE seq > $1 AND seq <= $2 ORDER BY seq`,
    [after, through],
  );
  for (const row of found) {
    const seq = Number(row.seq);
    if (rows.has(seq)) duplicates.push(seq);
    else rows.set(seq, row);
  }
  return { rows, duplicates };
}

/** Where the signed checkpoints are and the public keys they may be signed with. */
export interface CheckpointSource {
  dir: string;
  /** The current key and any retired ones; a checkpoint signed by another key is reported. */
  publicKeys: readonly KeyObject[];
}

/**
 * `verifyAuditChain` against the signed checkpoints of `source`: read (and their signatures
 * checked) before the chain is walked, so records appended meanwhile are only ever newer. A
 * forged or damaged checkpoint line is reported and makes the result not `ok`.
 */
export async function verifyAuditTrail(
  db: Db,
  source: CheckpointSource,
  options: Omit<VerifyOptions, 'checkpoints'> = {},
): Promise<ChainVerification> {
  const read = await readCheckpoints(source.dir, source.publicKeys);
  const chain = await verifyAuditChain(db, { ...options, checkpoints: read.valid });
  const from = Math.max(1, Math.floor(options.fromSeq ?? 1));
  const to = options.toSeq !== undefined ? Math.floor(options.toSeq) : Number.MAX_SAFE_INTEGER;
  const newest = read.valid[read.valid.length - 1];
  return {
    ...chain,
    ok: chain.ok && read.problems.length === 0,
    checkpoints: {
      read: read.read,
      used: read.valid.filter((c) => c.seq >= Math.max(from, (chain.archivedThrough ?? 0) + 1) && c.seq <= to)
        .length,
      problems: read.problems,
      ...(newest ? { newest: { seq: newest.seq, time: newest.time } } : {}),
    },
  };
}
