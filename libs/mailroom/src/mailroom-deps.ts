import type { Patient } from 'fhir/r4';
import type { AuditInput } from '@passerelle/audit';
import { MAILROOM_DEFAULTS } from '@passerelle/config';
import { type Db, type FhirRepository, HUB_AGENCY, parseStored } from '@passerelle/store';
import type { QueueDriver } from '@passerelle/sync';
import type { DataSource } from 'typeorm';
import type { LetterSender } from '@passerelle/letters';
import type { PersonRecord } from './contact-markers';

/** What the mailroom (operator actions) and its worker are built from; the app wires them. */
export interface MailroomDeps {
  dataSource: DataSource;
  /** Reads the person's records and writes the hub's Communications, as the hub actor. */
  repo: FhirRepository;
  /** Every live record of the same person, this one first (PatientIndex.linkedPatients). */
  linkedPatients(db: Db, patientId: string): Promise<string[]>;
  /** An agency's display name (AgencyService.find(id)?.name); undefined when unknown. */
  agencyName(id: string): Promise<string | undefined>;
  queue: QueueDriver;
}

/** Appends to the audit trail inside the caller's transaction (AuditWriter.recordIn). */
export interface AuditRecorder {
  recordIn(db: Db, inputs: readonly AuditInput[]): Promise<string[]>;
}

export interface MailroomWorkerDeps extends MailroomDeps {
  audit: AuditRecorder;
}

export interface MailroomOptions {
  /** Where print-run files (PDF + CSV) are written and read back for download. */
  outputDir: string;
  /** The service's contact details, printed on every letter. */
  sender: LetterSender;
  /** Most letters in one print run. */
  runSize: number;
  /** IANA time zone that letters print dates in. */
  timeZone: string;
  /** How long a consent letter's paper form is accepted after the letter is printed. */
  formValidityDays: number;
  /** An appointment closer than this by post is flagged to the agency: the letter may arrive late. */
  lateLetterDays: number;
}

export interface MailroomWorkerOptions extends MailroomOptions {
  /** How often new patient notifications are read. */
  pollIntervalMs: number;
  /** Notifications turned into letters per transaction. */
  batchSize: number;
  /** How often letters still `new` and runs still `building` are enqueued again (lost jobs). */
  rescanIntervalMs: number;
  /** `letter` jobs at once in this process (`print-run` jobs: one at a time). */
  concurrency: number;
  /** When set, a run is gathered this often (letters waiting); else operators create runs. */
  autoRunIntervalMs?: number;
}

export const DEFAULT_SENDER: LetterSender = MAILROOM_DEFAULTS.sender;

/** The validated config's defaults (libs/config, MAILROOM_*), and the worker's own. */
export const DEFAULT_WORKER_OPTIONS: Omit<MailroomWorkerOptions, 'outputDir'> = {
  ...MAILROOM_DEFAULTS,
  batchSize: 200,
  rescanIntervalMs: 60_000,
  concurrency: 2,
};

/** Tries of a print-run job; after the last one the run fails and its letters wait for the next run. */
export const PRINT_RUN_ATTEMPTS = 3;

/**
 * The `letter` job of a letter in its current state: a released letter (held → new) gets a new
 * job, while the poller and the rescan, seeing the same row, derive the same id (a no-op).
 */
export async function enqueueLetter(
  queue: QueueDriver,
  letter: { id: string; updated_at: Date },
): Promise<void> {
  await queue.add(
    'letter',
    { letterId: letter.id },
    { jobId: `letter-${letter.id}-${letter.updated_at.getTime()}` },
  );
}

export async function enqueueRun(queue: QueueDriver, runId: string): Promise<void> {
  await queue.add('print-run', { runId }, { attempts: PRINT_RUN_ATTEMPTS });
}

/** The hub acting for itself: provenance `hub` on what it writes, the mailroom's request id. */
export function hubActor(requestId: string) {
  return { agency: HUB_AGENCY, requestId };
}

/** The person's live Patient records (the index's list), read as the hub. */
export async function personRecords(deps: MailroomDeps, patientId: string): Promise<PersonRecord[]> {
  const ids = await deps.linkedPatients(deps.dataSource.manager, patientId);
  const records: PersonRecord[] = [];
  for (const id of ids) {
    // Internal: the hub's letter job reads the patient's own address to write to them.
    const stored = await deps.repo.internal.current('Patient', id);
    if (!stored || stored.deleted) continue;
    records.push({
      patient: parseStored<Patient>(stored),
      lastUpdated: stored.lastUpdated,
      sourceAgency: stored.sourceAgency,
    });
  }
  return records;
}

/** Display names for agency ids; the hub is the service itself; an unknown id stays an id. */
export async function agencyLabel(deps: MailroomDeps, sender: LetterSender, id: string): Promise<string> {
  if (id === HUB_AGENCY) return sender.service;
  return (await deps.agencyName(id)) ?? id;
}
