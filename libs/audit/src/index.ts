export * from './audit.types';
export { AUDIT_SCHEMA } from './schema';
export { buildAuditEvent } from './audit-event.builder';
export { BREAK_GLASS_EXTENSION, BREAK_GLASS_SUBTYPE, SYSTEMS as AUDIT_SYSTEMS } from './audit-codes';
export { canonicalJson, chainHash, GENESIS_HASH } from './canonical-json';
export { AUDIT_CHAIN_LOCK } from './audit-chain';
export { AuditWriter, type AuditWriterOptions, type AuditWriterStats } from './audit-writer';
export {
  verifyAuditChain,
  verifyAuditTrail,
  type CheckpointReport,
  type CheckpointSource,
  type ChainProblem,
  type ChainProblemKind,
  type ChainVerification,
  type VerifyOptions,
} from './audit-verifier';
export { requesterView } from './requester-view';
export {
  AuditProjector,
  type AuditProjectorOptions,
  auditProjectedThrough,
  catchUpAuditProjection,
} from './audit-projection';
export { AuditQueries, type AccessReportRow, type AuditPage, type AuditSearch } from './audit-queries';
export { patientsAccessedByAgencies } from './accessed-patients';
export {
  appendCheckpoint,
  checkpointMessage,
  checkpointPrivateKey,
  checkpointPublicKeys,
  keyIdOf,
  readCheckpoints,
  signCheckpoint,
  type AuditCheckpoint,
  type CheckpointProblem,
  type CheckpointProblemKind,
  type CheckpointRead,
} from './audit-checkpoints';
export { AuditCheckpointer, type AuditCheckpointerOptions } from './audit-checkpointer';
export {
  examinationBound as auditExaminationBound,
  searchRequesterView,
  type RequesterPage,
} from './requester-search';
export { archiveAnchor } from './audit-archive';
export {
  AUDIT_PARTITION_MONTHS_AHEAD,
  type AuditArchive,
  type AuditPartition,
  AuditPartitionError,
  AuditPartitionKeeper,
  detachAuditMonth,
  ensureAuditPartitions,
  listAuditPartitions,
} from './audit-partitions';
export { lastVerification, recordVerification, type VerificationRecord } from './audit-verifications';
