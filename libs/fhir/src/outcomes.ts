import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

/** One place that says which HTTP status a FHIR failure has (after Medplum's core/outcomes.ts). */
export type IssueCode = OperationOutcomeIssue['code'];

export class OperationOutcomeError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
    /** Extra response headers, e.g. WWW-Authenticate on a 401. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(outcome.issue.map((i) => i.diagnostics ?? i.code).join('; '));
    this.name = 'OperationOutcomeError';
  }
}

export function outcome(
  severity: OperationOutcomeIssue['severity'],
  code: IssueCode,
  diagnostics: string,
  expression?: string[],
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression && expression.length > 0) issue.expression = expression;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

export function informational(diagnostics: string): OperationOutcome {
  return outcome('information', 'informational', diagnostics);
}

function fail(
  status: number,
  code: IssueCode,
  diagnostics: string,
  expression?: string[],
): OperationOutcomeError {
  return new OperationOutcomeError(status, outcome('error', code, diagnostics, expression));
}

export const badRequest = (msg: string, expression?: string[]) => fail(400, 'invalid', msg, expression);
export const unprocessable = (msg: string, expression?: string[]) => fail(422, 'processing', msg, expression);
export const notFound = (what = 'Resource not found') => fail(404, 'not-found', what);
export const gone = (what: string) => fail(410, 'deleted', `${what} has been deleted`);
export const conflict = (msg: string) => fail(409, 'conflict', msg);
export const preconditionFailed = (msg: string) => fail(412, 'conflict', msg);
export const methodNotAllowed = (msg: string) => fail(405, 'not-supported', msg);
export const notSupported = (msg: string) => fail(400, 'not-supported', msg);
export const tooLarge = (msg: string) => fail(413, 'too-long', msg);
export const multipleMatches = (msg: string) => fail(412, 'multiple-matches', msg);
export const unauthorized = (msg: string, wwwAuthenticate: string) =>
  new OperationOutcomeError(401, outcome('error', 'login', msg), { 'www-authenticate': wwwAuthenticate });
export const forbidden = (msg: string) => fail(403, 'forbidden', msg);
export const unsupportedMediaType = (msg: string) => fail(415, 'not-supported', msg);

/** An OperationOutcome made of several issues, e.g. every schema violation of one resource. */
export function invalidResource(status: 400 | 422, issues: OperationOutcomeIssue[]): OperationOutcomeError {
  return new OperationOutcomeError(status, { resourceType: 'OperationOutcome', issue: issues });
}

/** A 500 never carries a cause: only a reference a person can give to an operator. */
export function internalError(errorId: string): OperationOutcome {
  return outcome('fatal', 'exception', `Internal error. Reference: ${errorId}`);
}

export function isOperationOutcomeError(e: unknown): e is OperationOutcomeError {
  return e instanceof OperationOutcomeError;
}
