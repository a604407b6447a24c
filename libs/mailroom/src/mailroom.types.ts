import type { AddressProblem, Language, LetterKind } from '@passerelle/letters';

/**
 * A letter's life: `new` (recorded, channel not decided yet) → `digital` (told online with a
 * FHIR Communication) or `pending` (waits for a print run) or `held` (waits for an operator) →
 * `in-run` → `printed` → `posted` → `returned` (came back); `cancelled` by an operator.
 */
export const LETTER_STATUSES = [
  'new',
  'digital',
  'pending',
  'held',
  'in-run',
  'printed',
  'posted',
  'returned',
  'cancelled',
] as const;
export type LetterStatus = (typeof LETTER_STATUSES)[number];

export const RUN_STATUSES = ['building', 'ready', 'printed', 'posted', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Why a letter waits for an operator. The address codes are `validateAddress`'s; `too-long` and
 * `render-failed` come from rendering; the others from the patient's records.
 */
export type HeldReason =
  | AddressProblem
  | 'deceased'
  | 'address-returned'
  | 'no-patient'
  | 'missing-source'
  | 'too-long'
  | 'render-failed';

/** A held decision: the code, and a message for operators that never quotes patient data. */
export interface Held {
  reason: HeldReason;
  message: string;
}

/** What the operator sees of a letter: ids and codes, never the patient's name or address. */
export interface LetterView {
  id: string;
  /** Printed on the letter; the patient quotes it on the phone. */
  reference: string;
  patientId: string;
  kind: LetterKind;
  status: LetterStatus;
  heldReason?: HeldReason;
  heldMessage?: string;
  language: Language;
  largePrint: boolean;
  runId?: string;
  pages?: number;
  communicationId?: string;
  createdAt: Date;
  updatedAt: Date;
  returnedAt?: Date;
}

export interface RunView {
  id: string;
  status: RunStatus;
  /** Letters taken into the run when it was created. */
  gathered: number;
  /** Letters in the PDF. */
  letters: number;
  /** Letters that could not be printed and went back to `held`. */
  held: number;
  pages: number;
  sheets: number;
  /** A short code when the run failed, never patient data. */
  failure?: string;
  createdAt: Date;
  readyAt?: Date;
  printedAt?: Date;
  postedAt?: Date;
  failedAt?: Date;
}

export interface Page<T> {
  items: T[];
  /** Pass as `after` for the next page, when there is one. */
  next?: string;
}

/** Domain errors of the mailroom; each transport maps the code (HTTP: 404, 409, 400). */
export type MailroomErrorCode = 'not-found' | 'conflict' | 'invalid';

export class MailroomError extends Error {
  constructor(
    readonly code: MailroomErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MailroomError';
  }
}
