import { randomUUID } from 'node:crypto';
import type { Encounter, MedicationRequest, Resource } from 'fhir/r4';
import {
  type Db,
  HUB_AGENCY,
  type InternalReads,
  parseStored,
  type VersionRow,
  type WriteHook,
} from '@passerelle/store';
import {
  type AppointmentEvent,
  appointmentEvents,
  appointmentFacts,
  encounterOf,
  longTermChange,
  stayEnded,
  subjectOf,
} from './care-changes';
import { letterReference } from './letter-rows';

/**
 * The write hook that puts appointment and medicines letters in the mailroom, in the writing
 * transaction (a write and its letter commit together, or neither). Agencies' writes only: the
 * hub's own are notices about letters. Each letter row holds ids and dates; its content is read
 * when it is printed.
 *
 * - Appointments: at most one unsent letter per appointment and patient (a partial unique index).
 *   A move or a cancellation first cancels the unsent one: a patient who was never told the old
 *   time gets one booking letter for the new time; one who was told gets a "moved" or "cancelled"
 *   letter; a cancellation nobody was told of sends nothing.
 * - Medicines: at most one unsent medicines letter per patient record (another partial unique
 *   index), so changes on the same day, or before the next print run, make one letter listing
 *   the medicines as they are when it is printed. A discharge names the hospital on it.
 */

const OPEN = `status IN ('new', 'pending', 'held')`;
const SENT = `status IN ('digital', 'in-run', 'printed', 'posted', 'returned')`;

/** Ids and dates the care letters keep on their row (see LetterDetails). */
interface CareDetails {
  appointment?: string;
  version?: string;
  change?: AppointmentEvent['change'];
  previousStart?: string;
  day?: string;
  discharge?: string;
}

async function insertOpen(
  db: Db,
  patientId: string,
  kind: 'appointment' | 'medicines',
  dedupeKey: string,
  details: CareDetails,
): Promise<boolean> {
  const id = randomUUID();
  // No conflict target: the dedupe key and the one-unsent-letter indexes all count.
  const rows: unknown[] = await db.query(
    `INSERT INTO letter (id, reference, patient_id, kind, dedupe_key, details) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING RETURNING id`,
    [id, letterReference(id), patientId, kind, dedupeKey, details],
  );
  return rows.length > 0;
}

async function appointmentLetter(db: Db, row: VersionRow, event: AppointmentEvent): Promise<void> {
  const appointment = `${row.type}/${row.id}`;
  const where = `kind = 'appointment' AND patient_id = $1 AND details->>'appointment' = $2`;
  await db.query(
    `WITH c AS (UPDATE letter SET status = 'cancelled', held_reason = NULL, held_message = NULL, updated_at = now()
       WHERE ${where} AND ${OPEN} RETURNING id) SELECT count(*) FROM c`,
    [event.patientId, appointment],
  );
  const told: unknown[] = await db.query(`SELECT 1 FROM letter WHERE ${where} AND ${SENT} LIMIT 1`, [
    event.patientId,
    appointment,
  ]);
  // What the patient knows decides the letter: nothing yet → the booking; the old time → the move.
  const change = event.change === 'moved' && told.length === 0 ? 'booked' : event.change;
  if (change === 'cancelled' && told.length === 0) return;
  await insertOpen(
    db,
    event.patientId,
    'appointment',
    `appointment:${appointment}:${row.versionId}:${event.patientId}`,
    {
      appointment,
      // A cancellation is told from the version the patient was booked in (this one may be a
      // deletion, or no longer name them).
      version: String(change === 'cancelled' ? row.versionId - 1 : row.versionId),
      change,
      ...(change === 'moved' && event.previousStart
        ? { previousStart: event.previousStart.toISOString() }
        : {}),
    },
  );
}

async function medicinesLetter(db: Db, row: VersionRow, patientId: string, day: string, discharge?: string) {
  const made = await insertOpen(
    db,
    patientId,
    'medicines',
    `medicines:${patientId}:${row.type}/${row.id}/${row.versionId}`,
    {
      day,
      ...(discharge ? { discharge } : {}),
    },
  );
  if (!made && discharge)
    await db.query(
      `UPDATE letter SET details = details || jsonb_build_object('discharge', $2::text), updated_at = now()
        WHERE kind = 'medicines' AND patient_id = $1 AND ${OPEN}`,
      [patientId, discharge],
    );
}

/** Internal: the hub's letter job asks whether the patient still has a prescription to list. */
function hasActivePrescription(reads: InternalReads, db: Db, patientId: string): Promise<boolean> {
  return reads.exists('MedicationRequest', { patient: `Patient/${patientId}`, status: 'active' }, db);
}

export function careLetters(reads: InternalReads, options: { timeZone: string }): WriteHook {
  const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone, dateStyle: 'short' });
  return async (db, actor, written) => {
    if (actor.agency === HUB_AGENCY) return;
    const hospital = actor.access?.agencyKind === 'hospital';
    const now = new Date();
    const day = dayOf.format(now);
    for (const row of written) {
      if (!['Appointment', 'ServiceRequest', 'MedicationRequest', 'Encounter'].includes(row.type)) continue;
      const before =
        row.versionId > 1 ? await reads.version(row.type, row.id, String(row.versionId - 1), db) : undefined;
      const previous = before && !before.deleted ? parseStored<Resource>(before) : undefined;
      const current = row.deleted || row.content === null ? undefined : (JSON.parse(row.content) as Resource);
      if (row.type === 'Appointment' || row.type === 'ServiceRequest') {
        for (const event of appointmentEvents(appointmentFacts(previous), appointmentFacts(current), now))
          await appointmentLetter(db, row, event);
      } else if (row.type === 'MedicationRequest') {
        const [was, is] = [
          previous as MedicationRequest | undefined,
          current as MedicationRequest | undefined,
        ];
        const patientId = subjectOf(is ?? was);
        if (!patientId) continue;
        if (longTermChange(was, is, now)) await medicinesLetter(db, row, patientId, day);
        else if (hospital && is?.status === 'active' && encounterOf(is)) {
          // A prescription of a stay that has already ended: the discharge letter lists it.
          const stay = await reads.current(
            'Encounter',
            (encounterOf(is) ?? '').slice('Encounter/'.length),
            db,
          );
          if (stay && !stay.deleted && parseStored<Encounter>(stay).status === 'finished')
            await medicinesLetter(db, row, patientId, day, actor.agency);
        }
      } else if (hospital) {
        const [was, is] = [previous as Encounter | undefined, current as Encounter | undefined];
        const patientId = subjectOf(is);
        if (patientId && stayEnded(was, is, now) && (await hasActivePrescription(reads, db, patientId)))
          await medicinesLetter(db, row, patientId, day, actor.agency);
      }
    }
  };
}
