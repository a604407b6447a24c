import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

export interface JtiStoreOptions {
  /** Milliseconds since the epoch (injected so specs can move the clock). */
  now?: () => number;
  /** How often, at most, one instance deletes expired rows. */
  purgeEveryMs?: number;
}

/**
 * Client assertion ids already accepted, in the database so that a replay is refused across
 * restarts and across hub instances. The primary key (client_id, jti) makes the claim atomic:
 * of two concurrent requests with one assertion, exactly one inserts the row.
 */
export class JtiStore {
  private readonly now: () => number;
  private readonly purgeEveryMs: number;
  private lastPurge = 0;
  private readonly logger = new Logger('JtiStore');

  constructor(
    private readonly dataSource: DataSource,
    options: JtiStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.purgeEveryMs = options.purgeEveryMs ?? 60_000;
  }

  /**
   * Records `jti` for `clientId` until `expiresAt`; false when it is already recorded and still
   * live (a replay). A row whose time has passed but which the purge has not deleted yet is
   * taken over, so the answer never depends on when the purge last ran.
   */
  async claim(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    const now = new Date(this.now());
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO used_jti (client_id, jti, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
       WHERE used_jti.expires_at <= $4
       RETURNING jti`,
      [clientId, jti, expiresAt, now],
    );
    await this.purgeIfDue(now);
    return rows.length === 1;
  }

  /** Deletes rows past their time; returns how many. */
  async purge(now = new Date(this.now())): Promise<number> {
    const [, deleted]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM used_jti WHERE expires_at <= $1`,
      [now],
    );
    return deleted;
  }

  // Opportunistic: at most once a minute per instance, on the request path (an indexed delete).
  private async purgeIfDue(now: Date): Promise<void> {
    if (now.getTime() - this.lastPurge < this.purgeEveryMs) return;
    this.lastPurge = now.getTime();
    try {
      await this.purge(now);
    } catch (e) {
      // The claim has succeeded; a failed clean-up only leaves rows for the next one.
      this.logger.warn(`purge of expired jti rows failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
