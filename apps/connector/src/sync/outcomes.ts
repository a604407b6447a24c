import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import { httpStatusOf } from '../fhir/retry';

/** Hooks for fault tests: a hook that throws stops the cycle at that point, as a crash would. */
export interface CycleHooks {
  /** After the hub accepted a push, before the type's cursor is stored. */
  afterPush?(type: string, accepted: number): void | Promise<void>;
  /** After the hub took a type's deletions, before the type's history cursor is stored. */
  afterWithdraw?(type: string, withdrawn: number): void | Promise<void>;
  /** After a feed page was written locally, before it is acknowledged and its cursor stored. */
  afterApply?(applied: number): void | Promise<void>;
}

/** The statuses by which a server refuses the content it was sent. */
const REFUSALS = new Set([400, 409, 412, 413, 422]);

/**
 * A refusal of the resources sent (400, 409, 412, 413, 422): logged, counted and passed over, so
 * one bad resource does not hold up the rest. Not 401 or 403 (the connector's credentials or
 * scopes are wrong) nor 404 or 405 (a wrong base URL): passing over those would drop everything
 * that follows, so they stop the cycle and the cursors stay.
 */
export function isRejection(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status !== undefined && REFUSALS.has(status);
}

interface IssueLike {
  code?: unknown;
  expression?: unknown;
}

function issuesOf(error: unknown): IssueLike[] {
  const data = (error as { response?: { data?: unknown } }).response?.data;
  if (typeof data !== 'object' || data === null) return [];
  const issue = (data as { issue?: unknown }).issue;
  return Array.isArray(issue) ? (issue as IssueLike[]) : [];
}

/**
 * 412 "not-found" from the hub: a conditional reference matched nothing. The target is usually
 * a resource created after its type's pass ran in this cycle; a later pass will push it.
 */
export function isUnresolvedReference(error: unknown): boolean {
  return httpStatusOf(error) === 412 && issuesOf(error).some((i) => i.code === 'not-found');
}

/**
 * What a log line may say about a refusal: the status, and each issue's code and FHIRPath
 * expression. Never `diagnostics` or `details.text`: servers echo submitted values there.
 */
export function describeRefusal(error: unknown): string {
  const status = httpStatusOf(error);
  const issues = issuesOf(error)
    .slice(0, 3)
    .map((i) => {
      const code = typeof i.code === 'string' ? i.code : 'unknown';
      const where = Array.isArray(i.expression)
        ? (i.expression as unknown[]).filter((e) => typeof e === 'string')
        : [];
      return where.length > 0 ? `${code} at ${where.join(', ')}` : code;
    });
  return `${status ?? 'error'}${issues.length > 0 ? ` (${issues.join('; ')})` : ''}`;
}

/** Short, data-free text for an error: the HTTP status, or the error's name and code. */
export function describeError(error: unknown): string {
  const status = httpStatusOf(error);
  if (status !== undefined) return describeRefusal(error);
  if (typeof error === 'object' && error !== null) {
    // By shape, not instanceof: errors may come from another realm.
    const { name, message, cause } = error as {
      name?: unknown;
      message?: unknown;
      cause?: { code?: unknown };
    };
    const code = typeof cause?.code === 'string' ? ` ${cause.code}` : '';
    return `${typeof name === 'string' ? name : 'Error'}: ${String(message).slice(0, 200)}${code}`;
  }
  return 'unknown error';
}

/** The resources of a search page that matched (includes and outcomes left out), of one type. */
export function matchesOf<T extends Resource = Resource>(bundle: Bundle, type: string): T[] {
  return (bundle.entry ?? [])
    .filter((e: BundleEntry) => e.resource?.resourceType === type && (e.search?.mode ?? 'match') === 'match')
    .map((e) => e.resource as T);
}

export function hasNextLink(bundle: Bundle): boolean {
  return bundle.link?.some((l) => l.relation === 'next') ?? false;
}
