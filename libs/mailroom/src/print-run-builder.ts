import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditInput } from '@passerelle/audit';
import { HUB_AGENCY } from '@passerelle/store';
import { QueryFailedError } from 'typeorm';
import { type Letter, type PrintRunEntry, writePrintRun } from '@passerelle/letters';
import { contactFacts } from './contact-markers';
import { currentAddress, recordProblem } from './dispatch';
import type { LetterContent } from './letter-content';
import { holdLetter, type LetterRow } from './letter-rows';
import { readManifest } from './manifest-reader';
import { type MailroomWorkerDeps, type MailroomWorkerOptions, personRecords } from './mailroom-deps';
import type { Held, RunStatus } from './mailroom.types';
import { isHeld } from './postal-address';
import { findRun, markFailed, markReady, type RunRow } from './run-rows';

/**
 * The `print-run` job: renders a `building` run's letters into one PDF and one CSV manifest
 * (`writePrintRun`), streamed to files: letters are read 50 at a time and each letter's data is
 * built only when the renderer asks for it, so memory stays flat whatever the run's size.
 *
 * Each letter is checked again first (records, address, returned-mail flags): one that cannot go
 * now, or that the renderer refuses (over 10 pages), goes back to `held` with its reason. Then, in
 * ONE transaction: held letters leave the run, printed ones get their page counts, every printed
 * letter gets its AuditEvent (a letter discloses the patient's data), and the run becomes `ready`.
 * Files carry a random suffix and are named in the run row only by the worker that wins that
 * transaction, so two workers building the same run cannot mix their files.
 */

const PAGE = 50;
/** v3 ActReason: at the patient's request. */
const PATIENT_REQUEST = 'PATRQT';
export const MAILROOM_CLIENT_ID = 'passerelle-mailroom';

/** What the run remembers of each printed letter until the final transaction. */
interface Printed {
  patientId: string;
  kind: LetterRow['kind'];
  language: string;
  largePrint: boolean;
  addressPatientId: string;
  fingerprint: string;
}

class LostRace extends Error {}

export class PrintRunBuilder {
  constructor(
    private readonly deps: MailroomWorkerDeps,
    private readonly options: MailroomWorkerOptions,
    private readonly content: LetterContent,
  ) {}

  /** Returns the run's status afterwards. On the last attempt a failure fails the run (its letters wait for the next). */
  async build(runId: string, lastAttempt: boolean): Promise<RunStatus | undefined> {
    const db = this.deps.dataSource.manager;
    const run = await findRun(db, runId);
    if (!run || run.status !== 'building') return run?.status;
    try {
      await this.render(run);
    } catch (e) {
      if (lastAttempt) await markFailed(db, runId, `render-failed: ${e instanceof Error ? e.name : 'error'}`);
      throw e;
    }
    return (await findRun(db, runId))?.status;
  }

  private async render(run: RunRow): Promise<void> {
    const dir = this.options.outputDir;
    // Print runs carry names and addresses: private to the user the hub and worker run as.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const stem = `print-run-${run.id}-${randomBytes(4).toString('hex')}`;
    const pdfFile = `${stem}.pdf`;
    const manifestFile = `${stem}.csv`;
    const files = [join(dir, pdfFile), join(dir, manifestFile)];
    const parts = files.map((f) => `${f}.part`);
    const held: { id: string; held: Held }[] = [];
    const printed = new Map<string, Printed>();
    const removeAll = () => Promise.all([...files, ...parts].map((f) => rm(f, { force: true })));
    let result: Awaited<ReturnType<typeof writePrintRun>>;
    try {
      result = await writePrintRun(this.entries(run.id, held, printed), {
        pdf: createWriteStream(parts[0], { mode: 0o600 }),
        manifest: createWriteStream(parts[1], { mode: 0o600 }),
      });
      await rename(parts[0], files[0]);
      await rename(parts[1], files[1]);
    } catch (e) {
      await removeAll();
      throw e;
    }
    for (const h of result.held)
      held.push({ id: h.letterId, held: { reason: h.reason, message: h.message } });
    const manifest = await readManifest(files[1]);
    const won = await this.deps.dataSource
      .transaction(async (tx) => {
        for (const h of held) await holdLetter(tx, h.id, ['in-run'], h.held);
        const rows = manifest.map((m) => {
          const p = printed.get(m.letterId);
          if (!p) throw new Error('The manifest lists a letter this run did not print');
          return { ...m, ...p };
        });
        await tx.query(
          `UPDATE letter l SET pages = v.pages, language = v.language, large_print = v.large_print,
             address_patient_id = v.source, address_fingerprint = v.fingerprint, updated_at = now()
           FROM unnest($2::uuid[], $3::int[], $4::text[], $5::bool[], $6::text[], $7::text[])
             AS v(id, pages, language, large_print, source, fingerprint)
           WHERE l.id = v.id AND l.run_id = $1 AND l.status = 'in-run'`,
          [
            run.id,
            rows.map((r) => r.letterId),
            rows.map((r) => r.pages),
            rows.map((r) => r.language),
            rows.map((r) => r.largePrint),
            rows.map((r) => r.addressPatientId),
            rows.map((r) => r.fingerprint),
          ],
        );
        await this.deps.audit.recordIn(
          tx,
          rows.map((r) => disclosure(run.id, r.letterId, r)),
        );
        const ready = await markReady(tx, run.id, {
          letters: result.letters,
          held: held.length,
          pages: result.pages,
          sheets: result.sheets,
          pdfFile,
          manifestFile,
        });
        if (!ready) throw new LostRace('another worker finished this run');
        return true;
      })
      .catch((e: unknown) => {
        if (e instanceof LostRace) return false;
        throw e;
      });
    if (!won) await removeAll();
  }

  /** The run's letters, built one at a time as the renderer asks for them. */
  private async *entries(
    runId: string,
    held: { id: string; held: Held }[],
    printed: Map<string, Printed>,
  ): AsyncGenerator<PrintRunEntry> {
    const date = new Date();
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows: LetterRow[] = await this.deps.dataSource.query(
        `SELECT * FROM letter WHERE run_id = $1 AND status = 'in-run' AND id > $2 ORDER BY id LIMIT ${PAGE}`,
        [runId, after],
      );
      for (const row of rows) {
        const entry = await this.prepare(row, date, printed);
        if (isHeld(entry)) held.push({ id: row.id, held: entry });
        else yield entry;
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].id;
    }
  }

  private async prepare(
    row: LetterRow,
    date: Date,
    printed: Map<string, Printed>,
  ): Promise<PrintRunEntry | Held> {
    try {
      const records = await personRecords(this.deps, row.patient_id);
      const facts = contactFacts(records);
      const problem = recordProblem(records, facts);
      if (problem) return problem;
      const address = await currentAddress(this.deps.dataSource.manager, records);
      if (isHeld(address)) return address;
      const ids = records.map((r) => r.patient.id ?? '');
      const body = await this.content.body(row, ids, records);
      if (isHeld(body)) return body;
      const letter = {
        ...body,
        reference: row.reference,
        date,
        address: address.address,
        patientName: address.patientName,
        sender: this.options.sender,
        language: facts.language,
        largePrint: facts.largePrint,
        timeZone: this.options.timeZone,
      } as Letter;
      printed.set(row.id, {
        patientId: row.patient_id,
        kind: row.kind,
        language: facts.language,
        largePrint: facts.largePrint,
        addressPatientId: address.patientId,
        fingerprint: address.fingerprint,
      });
      return { letterId: row.id, patientReference: `Patient/${row.patient_id}`, letter };
    } catch (e) {
      // A database that fails fails the run (it is retried); anything else is this letter's problem.
      if (e instanceof QueryFailedError) throw e;
      return {
        reason: 'render-failed',
        message: `The letter's content could not be built (${e instanceof Error ? e.name : 'error'}).`,
      };
    }
  }
}

/** The kind of data each kind of letter discloses, where it is one resource type. */
const LETTER_DATA: Partial<Record<LetterRow['kind'], string>> = {
  appointment: 'Appointment',
  medicines: 'MedicationRequest',
};

/**
 * A printed letter discloses the patient's data to the patient, by post: one AuditEvent each,
 * at the patient's request (purpose PATRQT: the patient's own right to be told), the recipient
 * the patient; it shows in the patient's access report (Patient/$access-report).
 */
function disclosure(runId: string, letterId: string, p: Printed): AuditInput {
  const data = LETTER_DATA[p.kind];
  return {
    interaction: 'operation',
    operation: 'letter',
    outcome: 'success',
    agency: HUB_AGENCY,
    clientId: MAILROOM_CLIENT_ID,
    purposeOfUse: PATIENT_REQUEST,
    patientId: p.patientId,
    ...(data ? { resourceType: data } : {}),
    requestId: `print-run-${runId}`,
    details: [
      { type: 'letter', value: letterId },
      { type: 'letter-kind', value: p.kind },
      { type: 'print-run', value: runId },
      { type: 'recipient', value: `Patient/${p.patientId}` },
    ],
  };
}
