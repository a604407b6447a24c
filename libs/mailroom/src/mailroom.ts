import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { patientsAccessedByAgencies } from '@passerelle/audit';
import { HUB_AGENCY } from '@passerelle/store';
import { returnedMailNotice } from './communications';
import { contactFacts } from './contact-markers';
import { recordCommunication } from './dispatch';
import {
  getLetter,
  insertLetter,
  type LetterFilter,
  letterView,
  listLetters,
  moveLetter,
} from './letter-rows';
import {
  enqueueLetter,
  enqueueRun,
  type MailroomDeps,
  type MailroomOptions,
  personRecords,
} from './mailroom-deps';
import { type LetterView, MailroomError, type Page, type RunStatus, type RunView } from './mailroom.types';
import { gatherRun, getRun, listRuns, runView } from './run-rows';

/**
 * What operators do in the mailroom (the admin API calls these): gather a print run, download
 * its files, mark it printed and posted, mark a letter returned (the address is flagged and the
 * person's agencies are told), release or cancel a held letter, ask for periodic access reports
 * and for a summary by post. Rendering and channel decisions are the worker's (MailroomWorker).
 */

export interface RunFile {
  path: string;
  fileName: string;
  contentType: string;
  size: number;
}

export interface ReturnedLetter {
  letter: LetterView;
  /** False when the letter's address could not be identified (it was never printed by this version). */
  addressFlagged: boolean;
  /** Agencies that got a `Communication` about it. */
  agenciesTold: string[];
}

export class Mailroom {
  constructor(
    private readonly deps: MailroomDeps,
    private readonly options: MailroomOptions,
  ) {}

  private get db() {
    return this.deps.dataSource.manager;
  }

  listLetters(filter: LetterFilter): Promise<Page<LetterView>> {
    return listLetters(this.db, filter);
  }

  async letter(id: string): Promise<LetterView> {
    return letterView(await getLetter(this.db, id));
  }

  listRuns(filter: { status?: RunStatus; limit: number; after?: string }): Promise<Page<RunView>> {
    return listRuns(this.db, filter);
  }

  async run(id: string): Promise<RunView> {
    return runView(await getRun(this.db, id));
  }

  /** Gathers the letters waiting (oldest first, at most `runSize`) into a run; undefined when none wait. */
  async createRun(): Promise<RunView | undefined> {
    const run = await this.deps.dataSource.transaction((tx) => gatherRun(tx, this.options.runSize));
    if (!run) return undefined;
    await enqueueRun(this.deps.queue, run.id);
    return runView(run);
  }

  /** A ready (or later) run's PDF or CSV manifest, to stream. */
  async runFile(id: string, which: 'pdf' | 'manifest'): Promise<RunFile> {
    const run = await getRun(this.db, id);
    const name = which === 'pdf' ? run.pdf_file : run.manifest_file;
    if (name === null) throw new MailroomError('conflict', `The run is ${run.status}: it has no files`);
    const path = join(this.options.outputDir, name);
    const size = await stat(path).then(
      (s) => s.size,
      () => {
        throw new MailroomError('not-found', 'The run’s file is missing from the mailroom directory');
      },
    );
    return {
      path,
      fileName: `print-run-${run.id}.${which === 'pdf' ? 'pdf' : 'csv'}`,
      contentType: which === 'pdf' ? 'application/pdf' : 'text/csv; charset=utf-8',
      size,
    };
  }

  /** ready → printed (its letters too). Marking it again changes nothing. */
  markPrinted(id: string): Promise<RunView> {
    return this.moveRun(id, ['ready'], 'printed', ['printed', 'posted']);
  }

  /** ready or printed → posted (its letters too). Marking it again changes nothing. */
  markPosted(id: string): Promise<RunView> {
    return this.moveRun(id, ['ready', 'printed'], 'posted', ['posted']);
  }

  private async moveRun(
    id: string,
    from: RunStatus[],
    to: 'printed' | 'posted',
    already: RunStatus[],
  ): Promise<RunView> {
    const row = await this.deps.dataSource.transaction(async (tx) => {
      const run = await getRun(tx, id, true);
      if (already.includes(run.status)) return run;
      if (!from.includes(run.status))
        throw new MailroomError('conflict', `A ${run.status} run cannot be marked ${to}`);
      await tx.query(
        `UPDATE print_run SET status = $2, printed_at = COALESCE(printed_at, now()),
           posted_at = CASE WHEN $2 = 'posted' THEN now() ELSE posted_at END WHERE id = $1`,
        [id, to],
      );
      await tx.query(
        `UPDATE letter SET status = $2, updated_at = now() WHERE run_id = $1 AND status = ANY($3::text[])`,
        [id, to, to === 'printed' ? ['in-run'] : ['in-run', 'printed']],
      );
      return getRun(tx, id);
    });
    return runView(row);
  }

  /**
   * The letter came back: it is `returned`, the address it was printed with is flagged (later
   * letters to it are held until the record's address changes), and every agency holding a record
   * of the person gets a Communication. Marking it again re-sends nothing new (same ids, same content).
   */
  async markReturned(id: string): Promise<ReturnedLetter> {
    const letter = await this.deps.dataSource.transaction(async (tx) => {
      const row = await getLetter(tx, id, true);
      if (row.status === 'returned') return row;
      if (row.status !== 'posted' && row.status !== 'printed')
        throw new MailroomError('conflict', `A ${row.status} letter was not posted: it cannot come back`);
      await tx.query(
        `UPDATE letter SET status = 'returned', returned_at = now(), updated_at = now() WHERE id = $1`,
        [id],
      );
      if (row.address_patient_id !== null && row.address_fingerprint !== null)
        await tx.query(
          `INSERT INTO mailroom_address_flag (patient_id, fingerprint, letter_id) VALUES ($1, $2, $3)
           ON CONFLICT (patient_id, fingerprint) DO NOTHING`,
          [row.address_patient_id, row.address_fingerprint, id],
        );
      return getLetter(tx, id);
    });
    const returnedAt = letter.returned_at ?? letter.updated_at;
    const told: string[] = [];
    for (const record of await personRecords(this.deps, letter.patient_id)) {
      const agency = record.sourceAgency;
      if (agency === null || agency === HUB_AGENCY || told.includes(agency) || !record.patient.id) continue;
      await recordCommunication(
        this.deps,
        returnedMailNotice(letter, agency, record.patient.id, returnedAt),
        `letter-${letter.id}`,
      );
      told.push(agency);
    }
    return {
      letter: letterView(letter),
      addressFlagged: letter.address_fingerprint !== null,
      agenciesTold: told,
    };
  }

  /** An operator fixed the data: the held letter is decided again from scratch (it may be held again). */
  async release(id: string): Promise<LetterView> {
    const moved = await moveLetter(this.db, id, ['held'], 'new');
    const row = await getLetter(this.db, id);
    if (!moved) throw new MailroomError('conflict', `A ${row.status} letter is not held`);
    await enqueueLetter(this.deps.queue, row);
    return letterView(row);
  }

  /** Not to be sent at all (before it joins a run). */
  async cancel(id: string): Promise<LetterView> {
    const moved = await moveLetter(this.db, id, ['new', 'held', 'pending'], 'cancelled');
    const row = await getLetter(this.db, id);
    if (!moved) throw new MailroomError('conflict', `A ${row.status} letter cannot be cancelled`);
    return letterView(row);
  }

  /** A summary of the patient's record, by post (a summary asked for on paper is always a letter). */
  async requestSummary(patientId: string, requestKey: string = randomUUID()): Promise<LetterView> {
    // Internal: the hub's mailroom reads the patient's own record to reach them.
    const stored = await this.deps.repo.internal.current('Patient', patientId);
    if (!stored || stored.deleted) throw new MailroomError('not-found', 'No such patient record');
    const { id } = await insertLetter(this.db, {
      patientId,
      kind: 'patient-summary',
      dedupeKey: `patient-summary:${patientId}:${requestKey}`,
      details: {},
    });
    const row = await getLetter(this.db, id);
    if (row.status === 'new') await enqueueLetter(this.deps.queue, row);
    return letterView(row);
  }

  /**
   * Periodic access reports: one letter per person whose records agencies accessed in
   * [start, end) and who has no online account (those see the report online). Asking twice for
   * the same period makes no second letter.
   */
  async requestAccessReports(
    start: Date,
    end: Date,
  ): Promise<{ people: number; letters: number; online: number }> {
    if (!(start.getTime() < end.getTime()) || end.getTime() > Date.now())
      throw new MailroomError(
        'invalid',
        'The period must be [start, end) with start before end and end not in the future',
      );
    // Agencies' accesses, not the hub's own.
    const accessed = await patientsAccessedByAgencies(this.db, start, end);
    const people = new Set<string>();
    let letters = 0;
    let online = 0;
    for (const patient_id of accessed) {
      const records = await personRecords(this.deps, patient_id);
      if (records.length === 0) continue;
      // The person, named by their smallest record id: the same letter whichever record was accessed.
      const person = records.map((r) => r.patient.id ?? '').sort()[0];
      if (people.has(person)) continue;
      people.add(person);
      const facts = contactFacts(records);
      if (facts.onlineAccount && !facts.prefersPaper) {
        online++;
        continue;
      }
      const { id, created } = await insertLetter(this.db, {
        patientId: person,
        kind: 'access-report',
        dedupeKey: `access-report:${person}:${start.toISOString()}:${end.toISOString()}`,
        details: { start: start.toISOString(), end: end.toISOString() },
      });
      if (!created) continue;
      letters++;
      await enqueueLetter(this.deps.queue, await getLetter(this.db, id));
    }
    return { people: people.size, letters, online };
  }
}
