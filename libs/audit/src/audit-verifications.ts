import type { Db } from '@passerelle/store';
import type { ChainVerification } from './audit-verifier';

/** A verification of the audit chain as it was recorded: what the operator's overview shows. */
export interface VerificationRecord {
  at: Date;
  /** Records read. */
  checked: number;
  ok: boolean;
  /** The last record checked. */
  lastSeq?: number;
  /** Where it first broke (a record's seq; 0 when only the checkpoints were at fault). */
  brokenAt?: number;
  /** The first problem's code (e.g. `edited`, `checkpoint-bad-signature`). */
  problem?: string;
  /** How many problems were found. */
  problems: number;
  /** Who asked: `account:<username>`, `admin-api`, `cli`. */
  by: string;
}

interface VerificationRow {
  verified_at: Date | string;
  checked: string | number;
  ok: boolean;
  last_seq: string | number | null;
  broken_seq: string | number | null;
  problem: string | null;
  problems: number;
  verified_by: string;
}

const num = (v: string | number | null): number | undefined => (v === null ? undefined : Number(v));

function toRecord(row: VerificationRow): VerificationRecord {
  return {
    at: new Date(row.verified_at),
    checked: Number(row.checked),
    ok: row.ok,
    lastSeq: num(row.last_seq),
    brokenAt: num(row.broken_seq),
    problem: row.problem ?? undefined,
    problems: row.problems,
    by: row.verified_by,
  };
}

/** Keeps the outcome of a verification (codes and sequence numbers, never a record's content). */
export async function recordVerification(
  db: Db,
  result: ChainVerification,
  by: string,
): Promise<VerificationRecord> {
  const chain = result.problems[0];
  const checkpoint = result.checkpoints?.problems[0];
  const problem = chain?.problem ?? (checkpoint ? `checkpoint-${checkpoint.problem}` : undefined);
  const problems = result.problems.length + (result.checkpoints?.problems.length ?? 0);
  const rows: VerificationRow[] = await db.query(
    `INSERT INTO audit_verification (checked, ok, last_seq, broken_seq, problem, problems, verified_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [
      result.checked,
      result.ok,
      result.last?.seq ?? null,
      result.ok ? null : (chain?.seq ?? 0),
      result.ok ? null : (problem ?? 'unknown'),
      problems,
      by.slice(0, 200),
    ],
  );
  return toRecord(rows[0]);
}

/** The newest recorded verification, if any. */
export async function lastVerification(db: Db): Promise<VerificationRecord | undefined> {
  const rows: VerificationRow[] = await db.query(
    `SELECT * FROM audit_verification ORDER BY verified_at DESC, id DESC LIMIT 1`,
  );
  return rows[0] ? toRecord(rows[0]) : undefined;
}
