import { randomUUID } from 'node:crypto';
import type { Db } from '@passerelle/store';
import type { DataSource } from 'typeorm';
import type { BreakGlassNotice, PatientNotifier } from '../scoped/disclosure';
import type { NotificationKind } from './patient-notification.entity';

export interface PendingNotification {
  id: string;
  patientId: string;
  kind: NotificationKind;
  details: Record<string, string | undefined>;
  createdAt: Date;
}

/** A pending notice taken by the mailroom's poller: it becomes one letter under the same dedupe key. */
export interface TakenNotification {
  id: string;
  patientId: string;
  kind: NotificationKind;
  dedupeKey: string;
}

/** Writes and lists the events a patient must be told of (the letters issue turns them into mail). */
export class PatientNotifications implements PatientNotifier {
  constructor(private readonly dataSource: DataSource) {}

  async breakGlass(notices: BreakGlassNotice[]): Promise<void> {
    for (const n of notices) {
      await this.emit(
        this.dataSource.manager,
        'break-glass',
        n.patientId,
        `break-glass:${n.requestId}:${n.patientId}`,
        {
          agency: n.agency,
          practitioner: n.practitioner,
          reason: n.reason,
          requestId: n.requestId,
        },
      );
    }
  }

  /** A Consent version was recorded for the patient: one confirmation per version. */
  async consentChanged(
    db: Db,
    patientId: string,
    consentId: string,
    versionId: number,
    agency: string,
  ): Promise<void> {
    await this.emit(db, 'consent-change', patientId, `consent-change:${consentId}:${versionId}`, {
      consent: `Consent/${consentId}/_history/${versionId}`,
      agency,
    });
  }

  async pending(patientId?: string): Promise<PendingNotification[]> {
    const rows: {
      id: string;
      patient_id: string;
      kind: NotificationKind;
      details: PendingNotification['details'];
      created_at: Date;
    }[] = await this.dataSource.query(
      `SELECT id, patient_id, kind, details, created_at FROM patient_notification
          WHERE status = 'pending' ${patientId ? 'AND patient_id = $1' : ''} ORDER BY created_at, id LIMIT 1000`,
      patientId ? [patientId] : [],
    );
    return rows.map((r) => ({
      id: r.id,
      patientId: r.patient_id,
      kind: r.kind,
      details: r.details,
      createdAt: r.created_at,
    }));
  }

  /** One notice, whatever its status; undefined when there is none. */
  async find(id: string): Promise<PendingNotification | undefined> {
    const rows: {
      kind: NotificationKind;
      patient_id: string;
      details: PendingNotification['details'];
      created_at: Date;
    }[] = await this.dataSource.query(
      'SELECT kind, patient_id, details, created_at FROM patient_notification WHERE id = $1',
      [id],
    );
    const row = rows[0];
    return (
      row && {
        id,
        patientId: row.patient_id,
        kind: row.kind,
        details: row.details,
        createdAt: row.created_at,
      }
    );
  }

  /**
   * The oldest pending notices, at most `limit`, locked in the caller's transaction: rows another
   * transaction is taking are skipped. The caller marks them with `markDispatched` in the same
   * transaction, or not at all.
   */
  async takePending(db: Db, limit: number): Promise<TakenNotification[]> {
    const rows: { id: string; patient_id: string; kind: NotificationKind; dedupe_key: string }[] =
      await db.query(
        `SELECT id, patient_id, kind, dedupe_key FROM patient_notification
          WHERE status = 'pending' AND kind IN ('break-glass', 'consent-change')
          ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
    return rows.map((r) => ({ id: r.id, patientId: r.patient_id, kind: r.kind, dedupeKey: r.dedupe_key }));
  }

  /** The notices became letters (in the transaction that took them). */
  async markDispatched(db: Db, ids: readonly string[]): Promise<void> {
    await db.query(`UPDATE patient_notification SET status = 'dispatched' WHERE id = ANY($1::uuid[])`, [ids]);
  }

  private async emit(
    db: Db,
    kind: NotificationKind,
    patientId: string,
    dedupeKey: string,
    details: PendingNotification['details'],
  ) {
    await db.query(
      `INSERT INTO patient_notification (id, patient_id, kind, dedupe_key, details) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [randomUUID(), patientId, kind, dedupeKey, details],
    );
  }
}
