/**
 * Thrown by a handler when trying again cannot help (a 4xx from the hub or an agency, a row
 * that no longer exists): the job becomes a dead letter at once, whatever its attempts left.
 * The BullMQ driver turns it into BullMQ's `UnrecoverableError`.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** A payload or job id that `add` refuses (not ids only, or an id BullMQ cannot store). */
export class InvalidJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidJobError';
  }
}
