import type { AuditEvent } from 'fhir/r4';
import {
  badRequest,
  extractSearchValues,
  matchesAll,
  type SearchFilter,
  type SearchQuery,
  unmatchable,
  idOfReference,
} from '@passerelle/fhir';
import type { Db } from '@passerelle/store';
import type { AuditQueries, AuditSearch } from './audit-queries';
import { requesterView } from './requester-view';

/**
 * `GET /fhir/AuditEvent?...` for the agency that made the requests: every official AuditEvent
 * search parameter, matched on the requester's view of each event (requester-view.ts), never
 * on the stored event. A refused access's view names no patient and no resource, so no
 * criterion (`patient=`, `entity=`, `entity-type=` ...) can find it by what was withheld: the
 * search tells no more than reading the whole trail would.
 *
 * The caller's events are read newest first, a batch at a time, with SQL narrowing only where
 * it cannot drop a match (the patient column, the recording time, the subtype); each is then
 * redacted and matched in memory. A page examines at most `examinationBound` events: past it,
 * the page is cut short and its `next` link goes on from there.
 */
export interface RequesterPage {
  events: AuditEvent[];
  /** `_page` of the next page: events older than this position. */
  next?: number;
}

const MAX_BATCH = 500;
/** Instants are recorded to the second at least: a criterion's range widened by that much. */
const PRECISION_MS = 1000;

export function examinationBound(count: number): number {
  return Math.max(10 * count, 1_000);
}

export async function searchRequesterView(
  queries: AuditQueries,
  agency: string,
  query: SearchQuery,
  db?: Db,
): Promise<RequesterPage> {
  refuseUnsupported(query);
  const count = Math.max(1, query.count);
  const bound = examinationBound(count);
  const narrowing = sqlNarrowing(query.filters);
  let after = pageOf(query.pageToken);
  const found: { seq: number; event: AuditEvent }[] = [];
  let examined = 0;
  for (;;) {
    const batch = await queries.positioned(
      {
        ...narrowing,
        agency,
        requesterView: true,
        count: Math.min(MAX_BATCH, bound - examined),
        after,
      },
      db,
    );
    for (const { seq, event } of batch.events) {
      examined++;
      const view = requesterView(event);
      if (!matchesAll(extractSearchValues('AuditEvent', view), view.id, query.filters)) continue;
      found.push({ seq, event: view });
      if (found.length > count)
        return { events: found.slice(0, count).map((f) => f.event), next: found[count - 1].seq };
    }
    if (batch.next === undefined) return { events: found.map((f) => f.event) };
    after = batch.next;
    if (examined >= bound) return { events: found.map((f) => f.event), next: after };
  }
}

function pageOf(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const n = Number(token);
  if (!/^\d+$/.test(token) || !Number.isSafeInteger(n)) throw badRequest('Invalid _page');
  return n;
}

function refuseUnsupported(query: SearchQuery): void {
  const sorted = query.echo.filter(([name]) => name === '_sort').map(([, value]) => value);
  if (sorted.some((value) => value !== '-date'))
    throw badRequest('_sort on AuditEvent: events come newest first (_sort=-date) only');
  if (query.includes.length > 0 || query.revIncludes.length > 0)
    throw badRequest('_include and _revinclude are not supported on AuditEvent');
  if (query.summaryCount) throw badRequest('_summary=count is not supported on AuditEvent');
  if (query.echo.some(([name, value]) => name === '_total' && value !== 'none'))
    throw badRequest('_total on AuditEvent: the trail is paged without a total (_total=none)');
  for (const filter of query.filters) {
    const reason = unmatchable(filter);
    if (reason !== undefined) throw badRequest(`${reason} cannot be used on AuditEvent`);
  }
}

/**
 * SQL conditions implied by the criteria, each keeping every event the criteria can match:
 * `patient=` (an event whose view names the patient is a disclosure about that patient: its
 * patient column holds it and its outcome is success), a single-valued `date` and `subtype`.
 */
function sqlNarrowing(filters: readonly SearchFilter[]): Partial<AuditSearch> {
  const out: Partial<AuditSearch> = {};
  for (const f of filters) {
    if (f.kind === 'reference') {
      const ids = f.keys.map((k) =>
        k.startsWith('patient|') ? idOfReference(k.slice('patient|'.length), 'Patient') : undefined,
      );
      if (ids.length > 0 && ids.every((id) => id !== undefined)) {
        out.patient = [...(out.patient ?? []), ...ids];
        out.outcome = '0';
      }
    } else if (f.kind === 'value' && f.param === 'date' && f.any.length === 1 && f.any[0].kind === 'date') {
      const { prefix, range } = f.any[0].condition;
      if (['ge', 'gt', 'eq', 'sa'].includes(prefix))
        out.dateGe = latest(out.dateGe, new Date(range.lo - PRECISION_MS));
      if (['le', 'lt', 'eq', 'eb'].includes(prefix) && Number.isFinite(range.hi))
        out.dateLt = earliest(out.dateLt, new Date(range.hi + PRECISION_MS));
    } else if (f.kind === 'token' && !f.not && f.keys.length === 1) {
      const m = /^subtype\|([^|\\]*)\|([^|\\*]+)$/.exec(f.keys[0]);
      if (m && out.subtype === undefined) out.subtype = m[1] === '*' ? m[2] : `${m[1]}|${m[2]}`;
    }
  }
  return out;
}

const latest = (a: Date | undefined, b: Date) => (a === undefined || b > a ? b : a);
const earliest = (a: Date | undefined, b: Date) => (a === undefined || b < a ? b : a);
