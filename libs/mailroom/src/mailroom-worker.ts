import { Logger } from '@nestjs/common';
import { PatientNotifications } from '@passerelle/consent';
import { LetterDispatcher } from './dispatch';
import { LetterContent } from './letter-content';
import { insertLetter, lettersWithStatus, newCareLetters } from './letter-rows';
import { Mailroom } from './mailroom';
import {
  DEFAULT_WORKER_OPTIONS,
  enqueueLetter,
  enqueueRun,
  type MailroomWorkerDeps,
  type MailroomWorkerOptions,
  PRINT_RUN_ATTEMPTS,
} from './mailroom-deps';
import type { LetterStatus, RunStatus } from './mailroom.types';
import { PrintRunBuilder } from './print-run-builder';
import { runsWithStatus } from './run-rows';

/**
 * The mailroom's processors, in the hub's process (embedded default) or the worker app:
 *
 * - a poller that turns pending `patient_notification` rows (libs/consent) into letter rows, in
 *   one transaction per batch (the notification's dedupe key is the letter's: one event, one
 *   letter, however often either side runs), then enqueues a `letter` job per new letter;
 * - the `letter` queue: the channel decision (LetterDispatcher);
 * - the `print-run` queue: rendering a gathered run (PrintRunBuilder).
 *
 * The database is the source of truth: every so often letters still `new` and runs still
 * `building` are enqueued again under the same job ids, so jobs a queue lost are re-derived.
 */
export class MailroomWorker {
  readonly mailroom: Mailroom;
  readonly dispatcher: LetterDispatcher;
  readonly builder: PrintRunBuilder;
  private readonly options: MailroomWorkerOptions;
  private readonly logger = new Logger('MailroomWorker');
  private readonly notifications: PatientNotifications;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<unknown>;
  private lastRescan = 0;
  private lastAutoRun = Date.now();
  private stopped = false;

  constructor(
    private readonly deps: MailroomWorkerDeps,
    options: Partial<MailroomWorkerOptions> & Pick<MailroomWorkerOptions, 'outputDir'>,
  ) {
    this.options = { ...DEFAULT_WORKER_OPTIONS, ...options };
    const content = new LetterContent(deps, this.options);
    this.mailroom = new Mailroom(deps, this.options);
    this.dispatcher = new LetterDispatcher(deps, this.options, content);
    this.builder = new PrintRunBuilder(deps, this.options, content);
    this.notifications = new PatientNotifications(deps.dataSource);
  }

  /**
   * Registers the `letter` and `print-run` processors and starts polling. `poll: false` leaves the
   * polling to the caller (`pollOnce`), for tests that move one step at a time.
   */
  async start(options: { poll?: boolean } = {}): Promise<void> {
    await this.deps.queue.process(
      'letter',
      async (job) => {
        await this.dispatch(job.data.letterId);
      },
      { concurrency: this.options.concurrency },
    );
    // One run at a time per process: a run is the big job, and it streams.
    await this.deps.queue.process('print-run', async (job) => {
      await this.buildRun(job.data.runId, job.attemptsMade + 1 >= PRINT_RUN_ATTEMPTS);
    });
    if (options.poll ?? true) this.schedule(0);
  }

  /** The `letter` job's work, callable directly (tests, a CLI). */
  dispatch(letterId: string): Promise<LetterStatus | undefined> {
    return this.dispatcher.dispatch(letterId);
  }

  /** The `print-run` job's work. */
  buildRun(runId: string, lastAttempt = true): Promise<RunStatus | undefined> {
    return this.builder.build(runId, lastAttempt);
  }

  /** Reads pending notifications into letters and enqueues work; returns how many letters were made. */
  async pollOnce(): Promise<number> {
    let made = 0;
    for (;;) {
      const created = await this.takeNotifications();
      made += created.length;
      for (const letter of created) await enqueueLetter(this.deps.queue, letter);
      if (created.length < this.options.batchSize || this.stopped) break;
    }
    // Appointment and medicines letters are inserted by the writes themselves (careLetters).
    for (const letter of await newCareLetters(this.deps.dataSource.manager, this.options.batchSize))
      await enqueueLetter(this.deps.queue, letter);
    if (Date.now() - this.lastRescan >= this.options.rescanIntervalMs) {
      this.lastRescan = Date.now();
      await this.rescan();
    }
    if (
      this.options.autoRunIntervalMs !== undefined &&
      Date.now() - this.lastAutoRun >= this.options.autoRunIntervalMs
    ) {
      this.lastAutoRun = Date.now();
      await this.mailroom.createRun();
    }
    return made;
  }

  /** Stops polling and waits for a poll in progress; the queue driver is closed by its owner. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }

  /**
   * One batch of notifications → letters, in one transaction: rows another worker is taking are
   * skipped, and a notification is marked `dispatched` with its letter, or not at all.
   */
  private async takeNotifications(): Promise<{ id: string; updated_at: Date }[]> {
    return this.deps.dataSource.transaction(async (tx) => {
      const rows = await this.notifications.takePending(tx, this.options.batchSize);
      if (rows.length === 0) return [];
      const ids: string[] = [];
      for (const n of rows) {
        const letter = await insertLetter(tx, {
          patientId: n.patientId,
          kind: n.kind,
          dedupeKey: n.dedupeKey,
          details: { notificationId: n.id },
        });
        ids.push(letter.id);
      }
      await this.notifications.markDispatched(
        tx,
        rows.map((n) => n.id),
      );
      return tx.query(`SELECT id, updated_at FROM letter WHERE id = ANY($1::uuid[]) AND status = 'new'`, [
        ids,
      ]);
    });
  }

  /** Enqueues again what the database says is unfinished (same job ids: no duplicates). */
  private async rescan(): Promise<void> {
    let after: { id: string; created_at: Date } | undefined;
    for (;;) {
      const batch = await lettersWithStatus(this.deps.dataSource.manager, 'new', 500, after);
      for (const letter of batch) await enqueueLetter(this.deps.queue, letter);
      if (batch.length < 500 || this.stopped) break;
      after = batch[batch.length - 1];
    }
    for (const runId of await runsWithStatus(this.deps.dataSource.manager, 'building', 100))
      await enqueueRun(this.deps.queue, runId);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.pollOnce()
        .catch((error: unknown) =>
          this.logger.warn(`mailroom poll failed: ${error instanceof Error ? error.name : 'error'}`),
        )
        .finally(() => this.schedule(this.options.pollIntervalMs));
    }, delay);
    this.timer.unref();
  }
}
