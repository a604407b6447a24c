import type { DataSource } from 'typeorm';

/** When each agency last obtained an access token: written by the token endpoint, read by the overview. */
export class TokenUse {
  constructor(private readonly dataSource: DataSource) {}

  /** Moves the agency's last token time forward (never back: concurrent tokens may land out of order). */
  async issued(agencyId: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO agency_token_use (agency_id, last_token_at) VALUES ($1, $2)
       ON CONFLICT (agency_id) DO UPDATE SET last_token_at = GREATEST(agency_token_use.last_token_at, EXCLUDED.last_token_at)`,
      [agencyId, at],
    );
  }

  /** Each agency that ever obtained a token, with when it last did. */
  async lastTokens(): Promise<Map<string, Date>> {
    const rows: { agency_id: string; last_token_at: Date | string }[] = await this.dataSource.query(
      `SELECT agency_id, last_token_at FROM agency_token_use`,
    );
    return new Map(rows.map((r) => [r.agency_id, new Date(r.last_token_at)]));
  }
}
