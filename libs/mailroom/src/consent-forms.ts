import { randomUUID } from 'node:crypto';
import type { Consent } from 'fhir/r4';
import type { AuditInput } from '@passerelle/audit';
import { isPaperFormConsent, isPrivacyConsent, paperFormConsent } from '@passerelle/consent';
import { type Db, type FhirRepository, HUB_AGENCY, parseStored, type PendingWrite } from '@passerelle/store';
import { readConsentFormAnswer } from './consent-form-answer';
import { type ConsentFormRow, formByCode, markFormUsed } from './consent-form-rows';
import { findLetter, getLetter, insertLetter, letterView } from './letter-rows';
import { type AuditRecorder, enqueueLetter, hubActor, type MailroomDeps } from './mailroom-deps';
import { type LetterView, MailroomError } from './mailroom.types';
import { MAILROOM_CLIENT_ID } from './print-run-builder';

/**
 * A paper consent form came back: the mailroom types in its code and ticks, and the hub records
 * the patient's choice, in ONE transaction: the form is used (single use: its row is locked), a
 * Consent is written by the hub on the patient's behalf (source agency `hub`, see
 * `paperFormConsent`), the person's earlier paper-form Consents become inactive (the newest form
 * speaks for the patient), a confirmation letter is queued, and an AuditEvent records it all.
 * Bad input is refused before anything is read; a failure anywhere writes nothing.
 */

export interface ConsentFormDeps extends MailroomDeps {
  audit: AuditRecorder;
}

export interface RecordedForm {
  formId: string;
  patientId: string;
  /** The Consent written, `Consent/<id>`, and its version. */
  consent: string;
  consentVersion: number;
  /** Earlier paper-form Consents of the person, now inactive. */
  replaced: string[];
  /** The letter confirming the choices to the patient. */
  confirmation: LetterView;
}

const DAY_MS = 86_400_000;

export class ConsentForms {
  constructor(private readonly deps: ConsentFormDeps) {}

  async record(body: unknown): Promise<RecordedForm> {
    const answer = readConsentFormAnswer(body);
    const repo: FhirRepository = this.deps.repo;
    const recorded = await repo.transaction(async (db) => {
      const form = await formByCode(db, answer.code);
      if (!form) throw new MailroomError('not-found', 'No consent form has this code');
      usable(form, answer.signedOn);
      // Internal: the mailroom records the patient's own form about their own record.
      const patient = await repo.internal.current('Patient', form.patient_id, db);
      if (!patient || patient.deleted)
        throw new MailroomError('conflict', 'The patient record this form was sent about no longer exists');
      const formLetter = await findLetter(db, form.letter_id);
      const records = await this.deps.linkedPatients(db, form.patient_id);
      // One form at a time per person, so that the newest leaves no other form Consent active.
      await db.query('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k', [
        [...new Set(records)].sort().map((id) => `consent-form:${id}`),
      ]);
      const previous = await this.activeFormConsents(db, records);

      const actor = hubActor(`consent-form-${form.id}`);
      const consent = paperFormConsent({
        id: randomUUID(),
        patientId: form.patient_id,
        formId: form.id,
        recordedAt: new Date(),
        ...(answer.signedOn ? { signedOn: answer.signedOn } : {}),
        letterReference: formLetter?.reference ?? form.letter_id,
        choices: answer.choices,
      });
      repo.checkResource('Consent', consent);
      const pending: PendingWrite[] = [
        await repo.prepareWrite(db, actor, 'Consent', consent.id ?? '', consent, { isCreate: true }),
      ];
      for (const old of previous) {
        const inactive: Consent = { ...old, status: 'inactive' };
        pending.push(await repo.prepareWrite(db, actor, 'Consent', old.id ?? '', inactive, {}));
      }
      await repo.commitAll(db, actor, pending);
      const written = pending[0].result.stored;

      const letter = await insertLetter(db, {
        patientId: form.patient_id,
        kind: 'consent-form-recorded',
        dedupeKey: `consent-form-recorded:${form.id}`,
        details: { formId: form.id },
      });
      const used = await markFormUsed(db, form.id, {
        consentId: written.id,
        consentVersion: written.versionId,
        confirmationLetterId: letter.id,
      });
      if (!used) throw new MailroomError('conflict', 'This form was recorded meanwhile');
      const replaced = previous.map((c) => `Consent/${c.id ?? ''}`);
      await this.deps.audit.recordIn(db, [
        recordedAudit(form, written.id, written.versionId, letter.id, replaced, actor.requestId),
      ]);
      return {
        formId: form.id,
        patientId: form.patient_id,
        consent: `Consent/${written.id}`,
        consentVersion: written.versionId,
        replaced,
        letterId: letter.id,
      };
    });
    const letter = await getLetter(this.deps.dataSource.manager, recorded.letterId);
    if (letter.status === 'new') await enqueueLetter(this.deps.queue, letter);
    const { letterId: _letterId, ...rest } = recorded;
    return { ...rest, confirmation: letterView(letter) };
  }

  /** The person's active Consents written by the hub from a paper form, read in the transaction. */
  private async activeFormConsents(db: Db, records: readonly string[]): Promise<Consent[]> {
    const repo = this.deps.repo;
    const found: Consent[] = [];
    let pageToken: string | undefined;
    do {
      const query = repo.parseQuery(
        'Consent',
        {
          patient: records.map((id) => `Patient/${id}`).join(','),
          status: 'active',
          _total: 'none',
          _count: String(repo.options.maxCount),
          ...(pageToken === undefined ? {} : { _page: pageToken }),
        },
        true,
      );
      // Internal: the hub finds its own earlier form Consents of the person, to retire them.
      const page = await repo.internal.search(query, db);
      for (const { stored, mode } of page.entries) {
        if (mode !== 'match' || stored.deleted || stored.sourceAgency !== HUB_AGENCY) continue;
        const consent = parseStored<Consent>(stored);
        if (isPrivacyConsent(consent) && isPaperFormConsent(consent)) found.push(consent);
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return found;
  }
}

/** Refuses a form already used, expired, or dated before it was printed. */
function usable(form: ConsentFormRow, signedOn: string | undefined): void {
  if (form.used_at)
    throw new MailroomError(
      'conflict',
      `This form was already recorded on ${form.used_at.toISOString().slice(0, 10)}: each form counts once`,
    );
  if (form.expires_at.getTime() <= Date.now())
    throw new MailroomError(
      'conflict',
      `This form expired on ${form.expires_at.toISOString().slice(0, 10)}: send the patient a new one`,
    );
  if (signedOn && Date.parse(`${signedOn}T00:00:00Z`) < form.issued_at.getTime() - DAY_MS)
    throw new MailroomError('invalid', 'signedOn is before the form was printed');
}

/** Recording a patient's choice on their behalf: the hub's own act, on the patient's record. */
function recordedAudit(
  form: ConsentFormRow,
  consentId: string,
  version: number,
  letterId: string,
  replaced: readonly string[],
  requestId: string,
): AuditInput {
  return {
    interaction: 'operation',
    operation: 'consent-form',
    action: 'C',
    outcome: 'success',
    agency: HUB_AGENCY,
    clientId: MAILROOM_CLIENT_ID,
    patientId: form.patient_id,
    resourceType: 'Consent',
    resourceId: consentId,
    requestId,
    details: [
      { type: 'consent-form', value: form.id },
      { type: 'form-letter', value: form.letter_id },
      { type: 'consent-version', value: String(version) },
      { type: 'confirmation-letter', value: letterId },
      ...replaced.map((value) => ({ type: 'replaced-consent', value })),
    ],
  };
}
