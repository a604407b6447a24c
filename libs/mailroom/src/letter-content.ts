import { idOfReference, localTarget } from '@passerelle/fhir';
import type { AuditEvent, Consent, Patient, Practitioner } from 'fhir/r4';
import { AuditQueries } from '@passerelle/audit';
import {
  consentAction,
  hasSensitiveLabel,
  paperFormChoicesOf,
  PatientNotifications,
  sharingRules,
} from '@passerelle/consent';
import { HUB_AGENCY, parseStored } from '@passerelle/store';
import {
  buildSummary,
  SUMMARY_RESOURCE_TYPES,
  type SummaryAgency,
  type SummarySource,
} from '@passerelle/summary';
import type {
  AccessEntry,
  AccessReportLetter,
  AppointmentLetter,
  BreakGlassAccess,
  BreakGlassLetter,
  ConsentChange,
  ConsentChangeLetter,
  ConsentFormRecordedLetter,
  LetterSender,
  MedicinesLetter,
  PatientSummaryLetter,
  SeenData,
} from '@passerelle/letters';
import { mergeAccesses } from '@passerelle/letters';
import { CareContent, practitionerText } from './care-content';
import { formById, issueForm } from './consent-form-rows';
import { contactFacts, type PersonRecord } from './contact-markers';
import { noticeIds } from './episodes';
import { findLetter, type LetterRow } from './letter-rows';
import { agencyLabel, type MailroomDeps, type MailroomOptions } from './mailroom-deps';
import type { Held } from './mailroom.types';

/**
 * What each kind of letter says, read from the ids the letter row holds, when it is rendered (so
 * a letter prints what the records say on the day, and the row never copies patient data).
 */

type Body<L> = Omit<
  L,
  'reference' | 'date' | 'address' | 'patientName' | 'sender' | 'language' | 'largePrint' | 'timeZone'
>;
export type LetterBody =
  | Body<PatientSummaryLetter>
  | Body<BreakGlassLetter>
  | Body<AccessReportLetter>
  | Body<ConsentChangeLetter>
  | Body<ConsentFormRecordedLetter>
  | Body<AppointmentLetter>
  | Body<MedicinesLetter>;

/** A patient_notification row (libs/consent), as the letters need it. */
export interface NotificationRow {
  kind: string;
  patient_id: string;
  details: Record<string, string | undefined>;
  created_at: Date;
}

const missing = (what: string): Held => ({
  reason: 'missing-source',
  message: `The ${what} this letter is about can no longer be found.`,
});

/** Requests whose audit events are looked for this long either side of the notice. */
const AUDIT_WINDOW_MS = 15 * 60_000;
const AUDIT_PAGES = 10;

export class LetterContent {
  private readonly audits: AuditQueries;
  private readonly notifications: PatientNotifications;
  private readonly sender: LetterSender;
  private readonly timeZone: string;
  private readonly care: CareContent;

  constructor(
    private readonly deps: MailroomDeps,
    private readonly options: Pick<MailroomOptions, 'sender' | 'timeZone' | 'formValidityDays'>,
  ) {
    this.audits = new AuditQueries(deps.dataSource);
    this.notifications = new PatientNotifications(deps.dataSource);
    this.sender = options.sender;
    this.timeZone = options.timeZone;
    this.care = new CareContent(deps, options);
  }

  async notification(id: string | undefined): Promise<NotificationRow | undefined> {
    if (id === undefined) return undefined;
    const notice = await this.notifications.find(id);
    return (
      notice && {
        kind: notice.kind,
        patient_id: notice.patientId,
        details: notice.details,
        created_at: notice.createdAt,
      }
    );
  }

  async body(
    row: LetterRow,
    patientIds: readonly string[],
    records: readonly PersonRecord[],
  ): Promise<LetterBody | Held> {
    switch (row.kind) {
      case 'break-glass':
        return this.breakGlass(row, patientIds);
      case 'consent-change':
        return this.consentChange(row);
      case 'consent-form-recorded':
        return this.consentFormRecorded(row);
      case 'access-report':
        return this.accessReport(row, patientIds);
      case 'patient-summary':
        return this.summary(row, patientIds, records);
      case 'appointment':
        return this.care.appointment(row, patientIds, contactFacts(records).sensitiveByPost);
      case 'medicines':
        return this.care.medicines(row, patientIds, contactFacts(records).sensitiveByPost);
    }
  }

  private label(id: string): Promise<string> {
    return agencyLabel(this.deps, this.sender, id);
  }

  /** An episode's notices, oldest first (those still on file). */
  private async notices(row: LetterRow): Promise<NotificationRow[]> {
    const ids = noticeIds(row.details);
    if (ids.length === 0) return [];
    return this.deps.dataSource.query(
      `SELECT kind, patient_id, details, created_at FROM patient_notification WHERE id = ANY($1::uuid[])
        ORDER BY created_at, id`,
      [ids],
    );
  }

  /** Every access of the episode: one, or several merged where one person did the same again. */
  private async breakGlass(
    row: LetterRow,
    patientIds: readonly string[],
  ): Promise<Body<BreakGlassLetter> | Held> {
    const notices = await this.notices(row);
    if (notices.length === 0) return missing('emergency access');
    const accesses: BreakGlassAccess[] = [];
    for (const notice of notices) {
      const { agency, practitioner, reason, requestId } = notice.details;
      accesses.push({
        at: notice.created_at,
        agency: await this.label(agency ?? ''),
        ...(practitioner ? { practitioner: await this.practitionerName(practitioner) } : {}),
        ...(reason ? { reason } : {}),
        seen: requestId ? await this.seen(patientIds, requestId, notice.created_at) : [],
      });
    }
    const merged = mergeAccesses(accesses);
    const grouped = merged.length > 1 || (merged[0].requests ?? 1) > 1;
    return { kind: 'break-glass', access: merged[0], ...(grouped ? { accesses: merged } : {}) };
  }

  /** A `Practitioner/<id>` the hub holds is printed by name; anything else as the agency gave it. */
  private async practitionerName(practitioner: string): Promise<string> {
    const id = idOfReference(practitioner, 'Practitioner');
    // Internal: the hub's letter job names the practitioner in the patient's own letter.
    const stored = id ? await this.deps.repo.internal.current('Practitioner', id) : undefined;
    if (!stored || stored.deleted) return practitioner;
    return practitionerText(parseStored<Practitioner>(stored)) ?? practitioner;
  }

  /** The kinds of data the request disclosed about the person, from the audit trail. */
  private async seen(patientIds: readonly string[], requestId: string, at: Date): Promise<SeenData[]> {
    // Kinds only: an event counts accesses, not records, so a count would mislead.
    const kinds = new Set<string>();
    let after: number | undefined;
    for (let page = 0; page < AUDIT_PAGES; page++) {
      const result = await this.audits.search({
        patient: patientIds,
        dateGe: new Date(at.getTime() - AUDIT_WINDOW_MS),
        dateLt: new Date(at.getTime() + AUDIT_WINDOW_MS),
        count: 200,
        after,
      });
      for (const event of result.events) {
        if (event.outcome !== '0' || !ofRequest(event, requestId)) continue;
        for (const type of resourceTypes(event)) kinds.add(type);
      }
      if (result.next === undefined) break;
      after = result.next;
    }
    return [...kinds].map((dataClass) => ({ dataClass }));
  }

  /** Every change of the episode, oldest first; one the hub no longer holds is left out. */
  private async consentChange(row: LetterRow): Promise<Body<ConsentChangeLetter> | Held> {
    const changes: ConsentChange[] = [];
    for (const notice of await this.notices(row)) {
      const change = await this.change(notice);
      if (change) changes.push(change);
    }
    if (changes.length === 0) return missing('sharing choice');
    changes.sort((a, b) => a.at.getTime() - b.at.getTime());
    return {
      kind: 'consent-change',
      change: changes[0],
      ...(changes.length > 1 ? { changes } : {}),
      form: await this.form(row),
    };
  }

  private async change(notice: NotificationRow): Promise<ConsentChange | undefined> {
    const target = localTarget(notice.details.consent ?? '');
    if (target?.type !== 'Consent' || target.version === undefined || !/^\d+$/.test(target.version))
      return undefined;
    // Internal: the hub's letter job tells the patient of their own consent's change.
    const stored = await this.deps.repo.internal.version('Consent', target.id, target.version);
    if (!stored || stored.deleted) return undefined;
    const consent = parseStored<Consent>(stored);
    const rules = await Promise.all(
      sharingRules(consent).map(async (r) =>
        r.agencies ? { ...r, agencies: await Promise.all(r.agencies.map((a) => this.label(a))) } : r,
      ),
    );
    return {
      action: consentAction(consent, stored.versionId),
      at: stored.lastUpdated,
      recordedBy: await this.label(notice.details.agency ?? stored.sourceAgency ?? HUB_AGENCY),
      rules,
    };
  }

  /** The paper form a consent letter carries: the same code every time this letter is rendered. */
  private form(row: LetterRow) {
    return issueForm(this.deps.dataSource.manager, row, this.options.formValidityDays);
  }

  /** The choices of a returned form, as the Consent written from it holds them. */
  private async consentFormRecorded(row: LetterRow): Promise<Body<ConsentFormRecordedLetter> | Held> {
    const db = this.deps.dataSource.manager;
    const form = row.details.formId ? await formById(db, row.details.formId) : undefined;
    if (!form?.used_at || !form.consent_id || !form.consent_version) return missing('paper form');
    // Internal: the patient's own recorded choice, told back to them.
    const stored = await this.deps.repo.internal.version(
      'Consent',
      form.consent_id,
      String(form.consent_version),
    );
    const formLetter = await findLetter(db, form.letter_id);
    if (!stored || stored.deleted || !formLetter) return missing('paper form');
    return {
      kind: 'consent-form-recorded',
      recorded: {
        at: form.used_at,
        formLetter: formLetter.reference,
        choices: paperFormChoicesOf(parseStored<Consent>(stored)),
      },
      form: await this.form(row),
    };
  }

  private async accessReport(
    row: LetterRow,
    patientIds: readonly string[],
  ): Promise<Body<AccessReportLetter> | Held> {
    const { start, end } = row.details;
    if (!start || !end) return missing('report period');
    const period = { start: new Date(start), end: new Date(end) };
    const rows = await this.audits.accessReport(patientIds, period.start, period.end);
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: this.timeZone, dateStyle: 'short' });
    const seen = new Set<string>();
    const accesses: AccessEntry[] = [];
    for (const r of rows) {
      // What was shown, not what was refused; and not the letters this mailroom itself sent.
      if (r.outcome !== '0' || (r.agency === HUB_AGENCY && r.operation === 'letter')) continue;
      // One line per day, agency, person, kind of data and purpose: a busy week still fits the envelope.
      const key = JSON.stringify([
        day.format(r.recorded),
        r.agency,
        r.practitioner,
        r.resourceType,
        r.purposeOfUse,
        r.breakGlass,
      ]);
      if (seen.has(key)) continue;
      seen.add(key);
      accesses.push({
        at: r.recorded,
        ...(r.agency ? { agency: await this.label(r.agency) } : {}),
        ...(r.practitioner ? { practitioner: r.practitioner } : {}),
        ...(r.resourceType ? { dataClass: r.resourceType } : {}),
        ...(r.purposeOfUse ? { purpose: r.purposeOfUse } : {}),
        breakGlass: r.breakGlass,
      });
    }
    return { kind: 'access-report', period, accesses };
  }

  /**
   * Everything of the person that a summary shows, from every record. Data labelled sensitive
   * (mental health, HIV, sexual health..., or confidentiality R/V) is left out of the paper copy:
   * a letter posted to a home may be opened by someone else; the patient can ask for it in person.
   */
  private async summary(
    row: LetterRow,
    patientIds: readonly string[],
    records: readonly PersonRecord[],
  ): Promise<Body<PatientSummaryLetter> | Held> {
    const self = records.find((r) => r.patient.id === row.patient_id) ?? records[0];
    if (!self) return missing('patient record');
    const sources: SummarySource[] = [];
    let pageToken: string | undefined;
    do {
      // Internal: the patient's own summary, posted to them; sensitive data is left out by the
      // consent engine's rule (a letter posted to a home may be opened by someone else).
      const page = await this.deps.repo.internal.everything(patientIds, {
        types: SUMMARY_RESOURCE_TYPES,
        count: this.deps.repo.options.maxCount,
        pageToken,
      });
      for (const e of page.entries)
        if (!hasSensitiveLabel(e.stored))
          sources.push({ resource: parseStored(e.stored), agency: e.stored.sourceAgency });
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    const agencyIds = new Set(
      [self.sourceAgency, ...sources.map((s) => s.agency)].filter((a): a is string => !!a),
    );
    const agencies: SummaryAgency[] = [];
    for (const id of agencyIds) agencies.push({ id, name: await this.label(id) });
    return {
      kind: 'patient-summary',
      summary: buildSummary({
        patient: { resource: self.patient satisfies Patient, agency: self.sourceAgency },
        resources: sources,
        agencies,
        now: new Date(),
        requester: { agency: HUB_AGENCY },
        linkedPatientIds: patientIds,
      }),
    };
  }
}

function ofRequest(event: AuditEvent, requestId: string): boolean {
  return (event.entity ?? []).some((e) => e.what?.identifier?.value === requestId);
}

function resourceTypes(event: AuditEvent): string[] {
  return (event.entity ?? []).flatMap((e) => (e.what?.type ? [e.what.type] : []));
}
