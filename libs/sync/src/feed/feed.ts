import type { Db } from '@passerelle/store';

/** One change routed to an agency, in its feed order. */
export interface FeedItem {
  seq: string;
  resourceType: string;
  resourceId: string;
  versionId: number;
}

export interface FeedPage {
  items: FeedItem[];
  /** The cursor after the last item read (the `_since` of the next call); `since` when none. */
  cursor: string;
  more: boolean;
}

/** The URL of the Bundle extension that carries the next cursor of `$changes`. */
export const CHANGES_CURSOR_EXTENSION = 'https://passerelle.health/fhir/StructureDefinition/changes-cursor';

/** A feed cursor: a non-negative decimal sequence number (opaque to clients). */
export function parseCursor(value: unknown): string | undefined {
  if (value === undefined || value === '') return '0';
  return typeof value === 'string' && /^\d{1,18}$/.test(value) ? String(BigInt(value)) : undefined;
}

/** Advisory lock class of the agencies' feeds ('feed'); the second key is the agency's hash. */
const FEED_LOCK_CLASS = 0x66656564;
const FEED_LOCK = 'pg_advisory_xact_lock($1, hashtext($2))';
const FEED_LOCK_SHARED = 'pg_advisory_xact_lock_shared($1, hashtext($2))';

/**
 * A feed is read by `seq > cursor`, and a seq is taken when its row is inserted, not when its
 * transaction commits: a reader could see a later item before an earlier one commits, move its
 * cursor past it and never read it. So a transaction about to add to agencies' feeds holds each
 * feed's lock, shared, until it commits (routings do not wait on one another), and a read takes
 * it exclusively: it waits for the additions in progress, and none starts meanwhile. Agencies
 * are locked in order, so that two routings cannot deadlock.
 */
export async function lockFeedsForInsert(db: Db, agencies: Iterable<string>): Promise<void> {
  for (const agency of [...new Set(agencies)].sort())
    await db.query(`SELECT ${FEED_LOCK_SHARED}`, [FEED_LOCK_CLASS, agency]);
}

/** Each agency's feed: what routing decided it receives. Every call is scoped to one agency. */
export class Feed {
  async read(db: Db, agency: string, since: string, count: number): Promise<FeedPage> {
    const rows: { seq: string; resource_type: string; resource_id: string; version_id: number }[] =
      await db.transaction(async (tx) => {
        await tx.query(`SELECT ${FEED_LOCK}`, [FEED_LOCK_CLASS, agency]);
        return tx.query(
          `SELECT seq, resource_type, resource_id, version_id FROM sync_feed
            WHERE agency_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
          [agency, since, count + 1],
        );
      });
    const more = rows.length > count;
    const items = rows.slice(0, count).map((r) => ({
      seq: String(r.seq),
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      versionId: r.version_id,
    }));
    return { items, more, cursor: items.at(-1)?.seq ?? since };
  }

  /** Marks the agency's items up to `through` acknowledged; returns how many were newly marked. */
  async acknowledge(db: Db, agency: string, through: string): Promise<number> {
    const rows: { seq: string }[] = await db.query(
      `UPDATE sync_feed SET acknowledged_at = now()
        WHERE agency_id = $1 AND seq <= $2 AND acknowledged_at IS NULL RETURNING seq`,
      [agency, through],
    );
    return rows.length;
  }

  /** Items routed but not yet acknowledged, per agency (operators' view; ids only). */
  async backlog(db: Db): Promise<{ agency: string; pending: number }[]> {
    const rows: { agency_id: string; n: string }[] = await db.query(
      `SELECT agency_id, count(*) AS n FROM sync_feed WHERE acknowledged_at IS NULL GROUP BY agency_id ORDER BY agency_id`,
    );
    return rows.map((r) => ({ agency: r.agency_id, pending: Number(r.n) }));
  }
}

/** The resource types an agency receives for every person it has a record of. */
export class Subscriptions {
  async of(db: Db, agency: string): Promise<string[]> {
    const rows: { resource_type: string }[] = await db.query(
      'SELECT resource_type FROM sync_subscription WHERE agency_id = $1 ORDER BY resource_type',
      [agency],
    );
    return rows.map((r) => r.resource_type);
  }

  /** Replaces the agency's subscriptions (in the caller's transaction). */
  async replace(db: Db, agency: string, types: readonly string[]): Promise<void> {
    await db.query('DELETE FROM sync_subscription WHERE agency_id = $1', [agency]);
    for (const type of new Set(types))
      await db.query('INSERT INTO sync_subscription (agency_id, resource_type) VALUES ($1, $2)', [
        agency,
        type,
      ]);
  }
}
