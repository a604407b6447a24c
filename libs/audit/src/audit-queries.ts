import type { AuditEvent } from 'fhir/r4';
import type { Db } from '@passerelle/store';
import type { DataSource } from 'typeorm';
import { BREAK_GLASS_EXTENSION, HUMAN_USER, RESOURCE_ROLE, SYSTEMS } from './audit-codes';
import { catchUpAuditProjection } from './audit-projection';
import type { AuditOutcomeCode } from './audit.types';

export interface AuditSearch {
  /** Patient record ids (all records of the person, resolved by the caller). */
  patient?: readonly string[];
  /** Requesting agency. */
  agency?: string;
  /** A subtype code (`read`, `$everything`, `break-glass`, ...) or `system|code`. */
  subtype?: string;
  outcome?: AuditOutcomeCode;
  dateGe?: Date;
  dateLt?: Date;
  breakGlass?: boolean;
  count: number;
  /** Keyset: only events older than this `seq` (the previous page's `next`). */
  after?: number;
  /**
   * The requesting agency's own view: refused reads of what it named (a read or vread answered
   * 404, hidden or missing alike) and everything disclosed; never the denials of what the hub
   * found for it (a search's or an operation's withheld results), which would tell that hidden
   * data exists.
   */
  requesterView?: boolean;
}

export interface AuditPage {
  /** Newest first. */
  events: AuditEvent[];
  /** `after` for the next page, when there is one. */
  next?: number;
}

/** One line of a patient's access report: who, when, what, why. */
export interface AccessReportRow {
  recorded: Date;
  patientId: string;
  agency?: string;
  practitioner?: string;
  interaction: string;
  operation?: string;
  resourceType?: string;
  purposeOfUse?: string;
  breakGlass: boolean;
  breakGlassReason?: string;
  outcome: AuditOutcomeCode;
}

/** Collects SQL conditions and their parameters ($1, $2, ...). */
class Where {
  readonly params: unknown[] = [];
  readonly clauses: string[] = [];
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  get sql(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}

function subtypeFilter(subtype: string): string {
  const bar = subtype.indexOf('|');
  const coding =
    bar < 0 ? { code: subtype } : { system: subtype.slice(0, bar), code: subtype.slice(bar + 1) };
  return JSON.stringify([bar >= 0 && coding.system === '' ? { code: coding.code } : coding]);
}

/**
 * The log's record of a projection row (`e`), as `l`: the projection holds the searchable
 * columns, the log the content (migration 1765900000000). `(seq, appended_at)` is the primary
 * key of both, so the join finds each month's partition and one row in it.
 */
const WITH_LOG = 'JOIN audit_log l ON l.seq = e.seq AND l.appended_at = e.appended_at';

/** A record's content: the canonical JSON the log holds (the text its hash covers). */
function eventOf(content: string): AuditEvent {
  return JSON.parse(content) as AuditEvent;
}

/**
 * Reads the audit trail: FHIR read and search of AuditEvent, and patients' access reports. They
 * search `audit_event`, the projection of the log, after catching it up (every record committed
 * before the call is found: a break-glass letter made right after the read, a test; one short
 * statement when the projection is current), and read each record found from the log.
 */
export class AuditQueries {
  constructor(private readonly dataSource: DataSource) {}

  async read(id: string, db: Db = this.dataSource.manager): Promise<AuditEvent | undefined> {
    await catchUpAuditProjection(db);
    const rows: { content: string }[] = await db.query(
      `SELECT l.content FROM audit_event e ${WITH_LOG} WHERE e.id = $1`,
      [id],
    );
    return rows[0] ? eventOf(rows[0].content) : undefined;
  }

  async search(params: AuditSearch, db: Db = this.dataSource.manager): Promise<AuditPage> {
    const { events, next } = await this.positioned(params, db);
    return { events: events.map((e) => e.event), ...(next !== undefined ? { next } : {}) };
  }

  /** search, each event with its position (`seq`, for `after`). */
  async positioned(
    params: AuditSearch,
    db: Db = this.dataSource.manager,
  ): Promise<{ events: { seq: number; event: AuditEvent }[]; next?: number }> {
    await catchUpAuditProjection(db);
    const w = new Where();
    if (params.patient !== undefined)
      w.clauses.push(`e.patient_id = ANY(${w.param([...params.patient])}::text[])`);
    if (params.agency !== undefined) w.clauses.push(`e.agency = ${w.param(params.agency)}`);
    if (params.subtype !== undefined)
      w.clauses.push(`l.content::jsonb->'subtype' @> ${w.param(subtypeFilter(params.subtype))}::jsonb`);
    if (params.outcome !== undefined) w.clauses.push(`e.outcome = ${w.param(params.outcome)}`);
    if (params.dateGe !== undefined) w.clauses.push(`e.recorded >= ${w.param(params.dateGe.toISOString())}`);
    if (params.dateLt !== undefined) w.clauses.push(`e.recorded < ${w.param(params.dateLt.toISOString())}`);
    if (params.breakGlass !== undefined)
      w.clauses.push(params.breakGlass ? 'e.break_glass' : 'NOT e.break_glass');
    if (params.after !== undefined) w.clauses.push(`e.seq < ${w.param(params.after)}`);
    if (params.requesterView) w.clauses.push(`(e.outcome = '0' OR e.interaction IN ('read', 'vread'))`);
    const count = Math.max(1, Math.floor(params.count));
    const rows: { seq: string; content: string }[] = await db.query(
      `SELECT e.seq, l.content FROM audit_event e ${WITH_LOG} ${w.sql} ORDER BY e.seq DESC LIMIT ${w.param(count + 1)}`,
      w.params,
    );
    const page = rows.slice(0, count);
    return {
      events: page.map((r) => ({ seq: Number(r.seq), event: eventOf(r.content) })),
      ...(rows.length > count ? { next: Number(page[page.length - 1].seq) } : {}),
    };
  }

  /** Every event about these patient records in [start, end), oldest first. */
  async accessReport(
    patientIds: readonly string[],
    start: Date,
    end: Date,
    db: Db = this.dataSource.manager,
  ): Promise<AccessReportRow[]> {
    if (patientIds.length === 0) return [];
    await catchUpAuditProjection(db);
    const rows: { patient_id: string; content: string }[] = await db.query(
      `SELECT e.patient_id, l.content FROM audit_event e ${WITH_LOG}
        WHERE e.patient_id = ANY($1::text[]) AND e.recorded >= $2 AND e.recorded < $3
        ORDER BY e.recorded, e.seq`,
      [[...patientIds], start.toISOString(), end.toISOString()],
    );
    return rows.map((r) => reportRow(r.patient_id, eventOf(r.content)));
  }
}

function reportRow(patientId: string, event: AuditEvent): AccessReportRow {
  const client = event.agent.find((a) => a.who?.reference?.startsWith('Organization/'));
  const user = event.agent.find((a) => a.type?.coding?.some((c) => c.code === HUMAN_USER.code));
  const resource = event.entity?.find(
    (e) => e.role?.code === RESOURCE_ROLE.code && e.role?.system === RESOURCE_ROLE.system,
  );
  const reason = event.extension?.find((x) => x.url === BREAK_GLASS_EXTENSION)?.valueString;
  const row: AccessReportRow = {
    recorded: new Date(event.recorded),
    patientId,
    interaction: event.subtype?.find((c) => c.system === SYSTEMS.interaction)?.code ?? 'unknown',
    breakGlass: reason !== undefined,
    outcome: event.outcome ?? '0',
  };
  const agency = client?.who?.reference?.slice('Organization/'.length);
  const practitioner = user?.who?.reference ?? user?.who?.identifier?.value ?? user?.who?.display;
  const operation = event.subtype?.find((c) => c.system === SYSTEMS.operation)?.code;
  const resourceType = resource?.what?.type;
  const purposeOfUse = event.purposeOfEvent?.[0]?.coding?.[0]?.code;
  if (agency) row.agency = agency;
  if (practitioner) row.practitioner = practitioner;
  if (operation) row.operation = operation;
  if (resourceType) row.resourceType = resourceType;
  if (purposeOfUse) row.purposeOfUse = purposeOfUse;
  if (reason !== undefined) row.breakGlassReason = reason;
  return row;
}
