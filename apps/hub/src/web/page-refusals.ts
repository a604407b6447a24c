import { AccountError } from '@passerelle/accounts';
import { isOperationOutcomeError } from '@passerelle/fhir';
import { MailroomError } from '@passerelle/mailroom';

/**
 * What a page does with a service's refusal: its HTTP status, or undefined when the error is
 * not a refusal (a bug, a database down) and goes on to the pages' exception filter (a 500).
 */
export type RefusalStatus = (e: unknown) => number | undefined;

/** The mailroom's: not found 404, conflict 409, invalid 400. */
export const mailroomRefusal: RefusalStatus = (e) =>
  e instanceof MailroomError ? (e.code === 'not-found' ? 404 : e.code === 'conflict' ? 409 : 400) : undefined;

/** The accounts': not found 404, already exists 409, invalid 400. */
export const accountRefusal: RefusalStatus = (e) =>
  e instanceof AccountError ? (e.code === 'not-found' ? 404 : e.code === 'exists' ? 409 : 400) : undefined;

/** A FHIR service's OperationOutcome below 500 (the patient index's). */
export const outcomeRefusal: RefusalStatus = (e) =>
  isOperationOutcomeError(e) && e.status < 500 ? e.status : undefined;

/**
 * Runs a page's action; a refusal its service raised is answered by `refuse` with the
 * refusal's message and status (the page again, saying why), anything else propagates.
 */
export async function orRefuse(
  work: () => Promise<void>,
  statusOf: RefusalStatus,
  refuse: (problem: string, status: number) => Promise<void> | void,
): Promise<void> {
  try {
    await work();
  } catch (e) {
    const status = statusOf(e);
    if (status === undefined || !(e instanceof Error)) throw e;
    await refuse(e.message, status);
  }
}

/** A short text from the query string (a notice's reference), or undefined. */
export function queryText(value: unknown, max = 100): string | undefined {
  return typeof value === 'string' && value ? value.slice(0, max) : undefined;
}

/** The query string's value when it is one of `allowed`. */
export function queryChoice<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === value);
}
