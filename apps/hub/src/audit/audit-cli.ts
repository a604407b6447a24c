import { parseArgs } from 'node:util';
import {
  AUDIT_SCHEMA,
  type ChainVerification,
  recordVerification,
  verifyAuditTrail,
} from '@passerelle/audit';
import { type Env, EXIT, isDatabaseUnreachable, loadHubConfig } from '@passerelle/config';
import { IDENTITY_SCHEMA } from '@passerelle/identity';
import { openDatabase } from '@passerelle/store';
import { checkpointSource } from './checkpoint-keys';

/** Human-readable report: one line per problem, then a summary. No patient data is printed. */
export function formatVerification(result: ChainVerification): string {
  const lines = result.problems.map((p) => `seq ${p.seq}\t${p.problem}${p.detail ? `\t${p.detail}` : ''}`);
  if (result.truncated) lines.push('... more problems not listed');
  const checkpoints = result.checkpoints;
  if (checkpoints) {
    for (const p of checkpoints.problems)
      lines.push(
        `checkpoint ${p.file}:${p.line}\t${p.problem}${p.seq !== undefined ? `\tseq ${p.seq}` : ''}`,
      );
    const newest = checkpoints.newest
      ? `; newest seq ${checkpoints.newest.seq} signed ${checkpoints.newest.time}`
      : '';
    lines.push(
      `Checkpoints: ${checkpoints.read} read, ${checkpoints.used} checked against the chain${newest}`,
    );
  }
  const head = result.last ? `; last seq ${result.last.seq}, hash ${result.last.hash}` : '';
  lines.push(
    result.ok
      ? `Audit chain OK: ${result.checked} record(s) checked${head}`
      : `Audit chain BROKEN: ${result.problems.length} problem(s) in ${result.checked} record(s)${head}`,
  );
  return lines.join('\n');
}

/**
 * `audit verify [--from SEQ] [--to SEQ]`: opens the database directly (DATABASE_URL, or the
 * embedded DATA_DIR, which the running hub holds locked: then use GET /admin/audit/verify) and
 * re-walks the chain against the signed checkpoints of AUDIT_CHECKPOINT_DIR (keys from
 * AUDIT_CHECKPOINT_PUBLIC_KEYS_FILE, or the signing key's). Resolves with the process exit code:
 * 0 when whole, EXIT.auditChainBroken (4) when not, EXIT.databaseUnreachable (3) when the
 * database cannot be reached, so a scheduled check can tell tampering from an outage.
 */
export async function auditVerifyCommand(
  env: Env,
  args: string[] = [],
  print: (line: string) => void = console.log,
  printError: (line: string) => void = console.error,
): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' } } });
  const seq = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a whole number from 1`);
    return n;
  };
  const options = { fromSeq: seq(values.from, 'from'), toSeq: seq(values.to, 'to') };
  const config = loadHubConfig(env);
  const source = checkpointSource(config);
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(config.database, { migrate: false, schemas: [IDENTITY_SCHEMA, AUDIT_SCHEMA] });
  } catch (e) {
    if (!isDatabaseUnreachable(e)) throw e;
    // The driver's message names the host or the directory, never a password.
    printError(`Database unreachable, nothing verified: ${(e as { message?: string }).message ?? String(e)}`);
    return EXIT.databaseUnreachable;
  }
  try {
    const result = await verifyAuditTrail(db.dataSource.manager, source, options);
    await recordVerification(db.dataSource.manager, result, 'cli');
    print(formatVerification(result));
    return result.ok ? EXIT.ok : EXIT.auditChainBroken;
  } finally {
    await db.close();
  }
}
