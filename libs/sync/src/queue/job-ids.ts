import { isValidId } from '@passerelle/fhir';
import { InvalidJobError } from './errors';
import { type JobOptions, type JobPayloads, PAYLOAD_FIELDS, type QueueName } from './queue.types';

/**
 * Checks that `data` is exactly the queue's id fields, each an id; returns a plain copy. Ids as
 * FHIR spells them (`isValidId`: letters, digits, '-', '.'), which also covers UUIDs and decimal
 * sequence numbers. No ':' (BullMQ's key separator), no '_' (joins fields in a job id), no room
 * for free text: a payload cannot smuggle patient data.
 */
export function checkPayload<Q extends QueueName>(queue: Q, data: JobPayloads[Q]): JobPayloads[Q] {
  const fields: readonly string[] = PAYLOAD_FIELDS[queue];
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new InvalidJobError(`${queue}: the payload must be an object of ids`);
  const record = data as unknown as Record<string, unknown>;
  const keys = Object.keys(record);
  const extra = keys.filter((k) => !fields.includes(k));
  if (extra.length > 0)
    throw new InvalidJobError(`${queue}: unexpected payload field(s) ${extra.join(', ')}`);
  const copy: Record<string, string> = {};
  for (const field of fields) {
    const value = record[field];
    if (typeof value !== 'string' || !isValidId(value))
      throw new InvalidJobError(`${queue}: ${field} must be an id (1-64 of A-Z a-z 0-9 - .)`);
    copy[field] = value;
  }
  return copy as unknown as JobPayloads[Q];
}

/** The deterministic job id of a payload: `<queue>-<id>` (ids joined by '_' if several). */
export function jobIdFor<Q extends QueueName>(queue: Q, data: JobPayloads[Q]): string {
  const record = data as unknown as Record<string, string>;
  return `${queue}-${PAYLOAD_FIELDS[queue].map((f) => record[f]).join('_')}`;
}

/** BullMQ refuses custom ids that contain ':' or read as integers; so do we, on both drivers. */
export function checkJobId(jobId: string): string {
  if (jobId.length === 0 || jobId.length > 200) throw new InvalidJobError('A job id has 1 to 200 characters');
  if (jobId.includes(':')) throw new InvalidJobError(`Job id ${jobId}: ':' is not allowed`);
  if (`${parseInt(jobId, 10)}` === jobId)
    throw new InvalidJobError(`Job id ${jobId}: an integer is not allowed`);
  return jobId;
}

export interface ResolvedJob<Q extends QueueName> {
  jobId: string;
  data: JobPayloads[Q];
  attempts: number;
  backoffMs: number;
}

/** What both drivers do before storing a job: validate, derive the id, apply defaults. */
export function resolveJob<Q extends QueueName>(
  queue: Q,
  data: JobPayloads[Q],
  options: JobOptions,
  defaults: { attempts: number; backoffMs: number },
): ResolvedJob<Q> {
  const checked = checkPayload(queue, data);
  const attempts = options.attempts ?? defaults.attempts;
  const backoffMs = options.backoffMs ?? defaults.backoffMs;
  if (!Number.isSafeInteger(attempts) || attempts < 1)
    throw new InvalidJobError('attempts must be a whole number from 1');
  if (!Number.isSafeInteger(backoffMs) || backoffMs < 0)
    throw new InvalidJobError('backoffMs must be a whole number from 0');
  return { jobId: checkJobId(options.jobId ?? jobIdFor(queue, checked)), data: checked, attempts, backoffMs };
}

/** BullMQ's exponential backoff: the wait after the n-th failed try is base × 2^(n-1). */
export function backoffDelay(baseMs: number, attemptsMade: number): number {
  return Math.round(2 ** (attemptsMade - 1) * baseMs);
}
