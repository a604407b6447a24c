import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One letter per episode: break-glass notices of one person by one agency on one day, and consent
 * changes recorded for one person by one agency on one day, gather into a single unsent letter
 * (`details.episode` names the episode, `details.notificationIds` lists its notices). The partial
 * unique index allows at most one unsent (new, pending or held) letter per episode, so two
 * workers taking notices of the same episode at once meet on it (INSERT ... ON CONFLICT) instead
 * of making two letters. Once that letter joins a print run, later notices start a new letter.
 */
export class LetterEpisodes1765740000000 implements MigrationInterface {
  name = 'LetterEpisodes1765740000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE UNIQUE INDEX letter_episode_unsent ON letter (kind, (details->>'episode'))
      WHERE kind IN ('break-glass', 'consent-change') AND status IN ('new', 'pending', 'held')
        AND details ? 'episode'`);
    // Every letter of an episode, sent or not: a notice filed twice is found in its letter.
    await q.query(`CREATE INDEX letter_episode ON letter ((details->>'episode')) WHERE details ? 'episode'`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Letters keep `details.notificationId` (the episode's first notice): the earlier code renders that one.
    await q.query(`DROP INDEX letter_episode`);
    await q.query(`DROP INDEX letter_episode_unsent`);
  }
}
