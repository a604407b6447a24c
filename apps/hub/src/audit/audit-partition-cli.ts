import {
  AUDIT_SCHEMA,
  AuditCheckpointer,
  AuditPartitionError,
  detachAuditMonth,
  listAuditPartitions,
} from '@passerelle/audit';
import { type Env, loadHubConfig } from '@passerelle/config';
import { openDatabase } from '@passerelle/store';
import { resolveCheckpointSigningKey } from './checkpoint-keys';

export const AUDIT_PARTITION_USAGE = `  audit partitions                                      the audit trail's months: attached (their seq range) and archived
  audit detach YYYY-MM                                  detach the oldest month past once it verifies; its last record is
                                                        signed as a checkpoint; then pg_dump the table it names, and drop it`;

/**
 * `audit partitions` and `audit detach YYYY-MM`, on the database directly (DATABASE_URL, or the
 * embedded DATA_DIR while no hub holds it: else GET /admin/audit/partitions and POST
 * /admin/audit/partitions/YYYY-MM/detach). Detaching signs with the checkpoint key
 * (AUDIT_CHECKPOINT_KEY or AUDIT_CHECKPOINT_KEY_FILE) into AUDIT_CHECKPOINT_DIR. Resolves with
 * the exit code: 0 done, 1 refused (the message says why; nothing changed).
 */
export async function auditPartitionCommand(
  env: Env,
  args: string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const [action, month] = args;
  if (action !== 'partitions' && !(action === 'detach' && month))
    throw new Error(`usage:\n${AUDIT_PARTITION_USAGE}`);
  const config = loadHubConfig(env);
  const db = await openDatabase(config.database, { migrate: false, schemas: [AUDIT_SCHEMA] });
  try {
    const manager = db.dataSource.manager;
    if (action === 'partitions') {
      const { attached, archived } = await listAuditPartitions(manager);
      for (const a of archived)
        print(
          `${a.month}\tarchived\t${a.table}\t${a.rows} record(s)\tthrough seq ${a.lastSeq}\tdetached ${a.detachedAt}`,
        );
      for (const p of attached)
        print(
          `${p.month}\tattached\t${p.table}\t${p.firstSeq === null ? 'empty' : `seq ${p.firstSeq}-${p.lastSeq}`}`,
        );
      return 0;
    }
    const dir = config.auditCheckpoints.dir;
    const checkpointer = new AuditCheckpointer(manager, {
      dir,
      privateKey: resolveCheckpointSigningKey(config).key,
      intervalMs: 3_600_000,
    });
    try {
      const archive = await detachAuditMonth(manager, month, {
        sign: (seq, hash) => checkpointer.sign(seq, hash),
      });
      print(
        [
          `Detached ${archive.month}: ${archive.rows} record(s) in table ${archive.table}.`,
          `The chain kept starts after seq ${archive.lastSeq} (hash ${archive.lastHash}), signed into ${dir}.`,
          `Archive it, then drop it: pg_dump --table=${archive.table} --format=custom ... && DROP TABLE ${archive.table};`,
        ].join('\n'),
      );
      return 0;
    } catch (e) {
      if (!(e instanceof AuditPartitionError)) throw e;
      print(`Not detached: ${e.message}`);
      return 1;
    }
  } finally {
    await db.close();
  }
}
