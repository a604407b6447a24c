import type { Appointment, ServiceRequest } from 'fhir/r4';
import { isSupportedType, type SupportedType } from '@passerelle/fhir';
import { type Db, parseStored } from '@passerelle/store';
import { PermanentJobError } from '@passerelle/sync';
import { appointmentFacts } from './care-changes';
import {
  type HubCommunication,
  lateLetterNotice,
  patientNotice,
  type NoticeFacts,
  uuidFrom,
} from './communications';
import { chooseChannel, contactFacts, type ContactFacts, type PersonRecord } from './contact-markers';
import type { LetterContent } from './letter-content';
import { findLetter, holdLetter, type LetterRow, moveLetter } from './letter-rows';
import {
  agencyLabel,
  hubActor,
  type MailroomDeps,
  type MailroomOptions,
  personRecords,
} from './mailroom-deps';
import type { Held, LetterStatus } from './mailroom.types';
import { isHeld, type PostalAddress, postalAddress } from './postal-address';

/**
 * The `letter` job: decides how a `new` letter reaches the patient, once. Online account and no
 * paper preference → the hub records a Communication (the letter row becomes `digital`);
 * otherwise the address is checked now (`pending`, or `held` with the reason an operator sees).
 * Re-running it on a letter that has moved on does nothing.
 */

const COMMUNICATION = 'Communication';

/** The store's type for Communication (libs/fhir lists the types the hub stores). */
export function communicationType(): SupportedType {
  if (!isSupportedType(COMMUNICATION))
    throw new PermanentJobError('The hub does not store Communication resources (libs/fhir SUPPORTED_TYPES)');
  return COMMUNICATION;
}

/** Writes a hub Communication under its own id: the same content twice is one version. */
export async function recordCommunication(deps: MailroomDeps, resource: HubCommunication, requestId: string) {
  await deps.repo.update(hubActor(requestId), communicationType(), resource.id, resource);
}

/** The address a letter goes to now, or why it cannot go: invalid, or flagged as returned. */
export async function currentAddress(
  db: Db,
  records: readonly PersonRecord[],
): Promise<PostalAddress | Held> {
  const found = postalAddress(records);
  if (isHeld(found)) return found;
  const ids = records.map((r) => r.patient.id ?? '');
  const flagged: unknown[] = await db.query(
    'SELECT 1 FROM mailroom_address_flag WHERE patient_id = ANY($1::text[]) AND fingerprint = $2 LIMIT 1',
    [ids, found.fingerprint],
  );
  if (flagged.length > 0)
    return {
      reason: 'address-returned',
      message: 'A letter to this address came back undelivered; the patient’s record needs a new address.',
    };
  return found;
}

/** Why a person's records stop any letter, before the address is looked at. */
export function recordProblem(records: readonly PersonRecord[], facts: ContactFacts): Held | undefined {
  if (records.length === 0)
    return {
      reason: 'no-patient',
      message: 'The patient record no longer exists (deleted, or merged away).',
    };
  if (facts.deceased)
    return { reason: 'deceased', message: 'A record of this patient says the patient has died.' };
  return undefined;
}

export class LetterDispatcher {
  constructor(
    private readonly deps: MailroomDeps,
    private readonly options: MailroomOptions,
    private readonly content: LetterContent,
  ) {}

  /** Returns the letter's status afterwards (undefined: no such letter). */
  async dispatch(letterId: string): Promise<LetterStatus | undefined> {
    const db = this.deps.dataSource.manager;
    const row = await findLetter(db, letterId);
    if (!row || row.status !== 'new') return row?.status;
    const records = await personRecords(this.deps, row.patient_id);
    const facts = contactFacts(records);
    const style = { language: facts.language, largePrint: facts.largePrint };
    const problem = recordProblem(records, facts);
    if (problem) return this.settle(holdLetter(db, row.id, ['new'], problem, style), 'held', row.id);

    if (chooseChannel(row.kind, facts) === 'digital') {
      const notice = patientNotice(
        row.id,
        row.patient_id,
        row.created_at,
        await this.noticeFacts(row, facts),
        {
          // One notice per person and day for medicines, updated by the day's later changes.
          ...(row.kind === 'medicines'
            ? { id: uuidFrom('medicines', row.patient_id, row.details.day ?? '') }
            : {}),
          ...(row.details.appointment ? { about: row.details.appointment } : {}),
        },
      );
      await recordCommunication(this.deps, notice, `letter-${row.id}`);
      const moved = moveLetter(db, row.id, ['new'], 'digital', { ...style, communicationId: notice.id });
      return this.settle(moved, 'digital', row.id);
    }
    await this.flagLate(row);
    const address = await currentAddress(db, records);
    if (isHeld(address)) return this.settle(holdLetter(db, row.id, ['new'], address, style), 'held', row.id);
    return this.settle(moveLetter(db, row.id, ['new'], 'pending', style), 'pending', row.id);
  }

  /** The status it went to, or the one someone else moved it to meanwhile. */
  private async settle(
    moved: Promise<boolean>,
    to: LetterStatus,
    id: string,
  ): Promise<LetterStatus | undefined> {
    if (await moved) return to;
    return (await findLetter(this.deps.dataSource.manager, id))?.status;
  }

  /** The appointment an appointment letter is about, as that version says it (undefined: gone). */
  private async appointment(row: LetterRow) {
    const [type, id] = (row.details.appointment ?? '').split('/');
    if ((type !== 'Appointment' && type !== 'ServiceRequest') || !id || !row.details.version)
      return undefined;
    // Internal: the hub's letter job reads the patient's own appointment.
    const stored = await this.deps.repo.internal.version(type, id, row.details.version);
    if (!stored || stored.deleted) return undefined;
    const facts = appointmentFacts(parseStored<Appointment | ServiceRequest>(stored));
    return facts?.start ? { start: facts.start, agency: stored.sourceAgency } : undefined;
  }

  /**
   * An appointment letter going by post for an appointment closer than the post takes: the agency
   * that booked it is told in its feed (a hub Communication about the Appointment), to phone.
   */
  private async flagLate(row: LetterRow): Promise<void> {
    if (row.kind !== 'appointment') return;
    const appointment = await this.appointment(row);
    if (!appointment?.agency || !row.details.appointment) return;
    const soon = Date.now() + this.options.lateLetterDays * 24 * 3600_000;
    if (appointment.start.getTime() > soon) return;
    const notice = lateLetterNotice(
      row,
      appointment.agency,
      row.patient_id,
      row.details.appointment,
      appointment.start,
      this.options.timeZone,
      row.created_at,
    );
    await recordCommunication(this.deps, notice, `letter-${row.id}`);
  }

  private async noticeFacts(row: LetterRow, facts: ContactFacts): Promise<NoticeFacts> {
    const base: NoticeFacts = {
      kind: row.kind,
      reference: row.reference,
      language: facts.language,
      timeZone: this.options.timeZone,
    };
    if (row.kind === 'access-report' && row.details.start && row.details.end)
      return { ...base, period: { start: new Date(row.details.start), end: new Date(row.details.end) } };
    if (row.kind === 'medicines') return { ...base, at: row.created_at };
    if (row.kind === 'appointment') {
      const appointment = await this.appointment(row);
      return {
        ...base,
        ...(row.details.change ? { change: row.details.change } : {}),
        ...(appointment ? { at: appointment.start } : {}),
        ...(appointment?.agency
          ? { agency: await agencyLabel(this.deps, this.options.sender, appointment.agency) }
          : {}),
      };
    }
    const notice = await this.content.notification(row.details.notificationId);
    if (!notice) return base;
    const agency = notice.details.agency;
    return {
      ...base,
      at: notice.created_at,
      ...(agency ? { agency: await agencyLabel(this.deps, this.options.sender, agency) } : {}),
    };
  }
}
