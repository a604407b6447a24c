import { idOfReference } from '@passerelle/fhir';
import type { Appointment, Encounter, MedicationRequest, Resource, ServiceRequest } from 'fhir/r4';

/**
 * What a write means for the patient's post, decided from the version written and the one before
 * it (pure: the write hook reads them, care-letters.ts acts on the answer).
 *
 * Appointments: an `Appointment` naming the patient among its participants (`participant.actor`,
 * not declined), or a `ServiceRequest` for the patient given a time (`occurrenceDateTime` with a
 * time of day, or `occurrencePeriod.start`): a referral that became an appointment at the clinic.
 * Booked (Appointment `booked`, ServiceRequest `active`), moved (the start changed while booked),
 * cancelled (`cancelled`/`noshow`, `revoked`/`entered-in-error`, or deleted). Appointments already
 * past say nothing.
 *
 * Medicines: a long-term `MedicationRequest` (`courseOfTherapyType` `continuous`) started, changed
 * (status, medicine or dosage) or stopped; any `MedicationRequest` of a hospital that is active and
 * part of a finished stay; a hospital stay (`Encounter`) that becomes `finished`. Versions first
 * seen at the hub that describe something older than `RECENT_MS` (an agency's first upload of its
 * records) are history, not news: no letter.
 */

/** How old a start, a prescription or the end of a stay may be and still be news. */
export const RECENT_MS = 7 * 24 * 3600_000;

export type AppointmentChange = 'booked' | 'moved' | 'cancelled';

export interface AppointmentFacts {
  booked: boolean;
  start?: Date;
  end?: Date;
  /** Hub Patient ids among the participants (or the subject). */
  patients: string[];
}

function patientId(reference: string | undefined): string | undefined {
  return idOfReference(reference, 'Patient');
}

function date(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The appointment an Appointment or a scheduled ServiceRequest describes; undefined for anything else. */
export function appointmentFacts(resource: Resource | undefined): AppointmentFacts | undefined {
  if (resource?.resourceType === 'Appointment') {
    const a = resource as Appointment;
    const patients = a.participant
      .filter((p) => p.status !== 'declined')
      .map((p) => patientId(p.actor?.reference))
      .filter((id): id is string => id !== undefined);
    return { booked: a.status === 'booked', start: date(a.start), end: date(a.end), patients };
  }
  if (resource?.resourceType === 'ServiceRequest') {
    const r = resource as ServiceRequest;
    // A date without a time is a deadline, not an appointment.
    const at = r.occurrenceDateTime && r.occurrenceDateTime.length > 10 ? r.occurrenceDateTime : undefined;
    const start = date(at ?? r.occurrencePeriod?.start);
    if (!start) return undefined;
    const subject = patientId(r.subject.reference);
    return {
      booked: r.status === 'active',
      start,
      end: date(r.occurrencePeriod?.end),
      patients: subject ? [subject] : [],
    };
  }
  return undefined;
}

export interface AppointmentEvent {
  patientId: string;
  change: AppointmentChange;
  start: Date;
  /** Moved: the start the patient may have been told before. */
  previousStart?: Date;
}

/** What each patient of the appointment must be told after this write (`current` undefined: deleted). */
export function appointmentEvents(
  previous: AppointmentFacts | undefined,
  current: AppointmentFacts | undefined,
  now: Date,
): AppointmentEvent[] {
  const events: AppointmentEvent[] = [];
  const wasBooked = previous?.booked === true && previous.start !== undefined;
  const before = new Set(wasBooked ? previous.patients : []);
  if (current?.booked && current.start && current.start > now) {
    for (const patientId of new Set(current.patients)) {
      if (!before.has(patientId)) events.push({ patientId, change: 'booked', start: current.start });
      else if (previous?.start && previous.start.getTime() !== current.start.getTime())
        events.push({ patientId, change: 'moved', start: current.start, previousStart: previous.start });
    }
  }
  const still = new Set(current?.booked ? current.patients : []);
  if (wasBooked && previous.start && previous.start > now) {
    for (const patientId of before)
      if (!still.has(patientId)) events.push({ patientId, change: 'cancelled', start: previous.start });
  }
  return events;
}

/** What of a prescription the patient's list shows: a change to any of these is news. */
function listed(request: MedicationRequest): string {
  return JSON.stringify([
    request.status,
    request.medicationCodeableConcept ?? request.medicationReference,
    request.dosageInstruction,
  ]);
}

const isLongTerm = (r: MedicationRequest | undefined) =>
  r?.courseOfTherapyType?.coding?.some((c) => c.code === 'continuous') === true;

/** A long-term prescription started, changed or stopped by this write. */
export function longTermChange(
  previous: MedicationRequest | undefined,
  current: MedicationRequest | undefined,
  now: Date,
): boolean {
  if (!isLongTerm(previous) && !isLongTerm(current)) return false;
  if (!previous) {
    if (current?.status !== 'active') return false;
    const authored = date(current.authoredOn);
    return authored === undefined || now.getTime() - authored.getTime() <= RECENT_MS;
  }
  if (!current) return previous.status === 'active';
  return listed(previous) !== listed(current);
}

/** A stay that ended with this write (and ended lately: not an old stay uploaded now). */
export function stayEnded(
  previous: Encounter | undefined,
  current: Encounter | undefined,
  now: Date,
): boolean {
  if (current?.status !== 'finished' || previous?.status === 'finished') return false;
  const end = date(current.period?.end);
  return end === undefined || now.getTime() - end.getTime() <= RECENT_MS;
}

/** The Encounter a prescription was written during, as `Encounter/<id>`. */
export function encounterOf(request: MedicationRequest | undefined): string | undefined {
  const ref = request?.encounter?.reference;
  return idOfReference(ref, 'Encounter') !== undefined ? ref : undefined;
}

export function subjectOf(resource: { subject?: { reference?: string } } | undefined): string | undefined {
  return patientId(resource?.subject?.reference);
}
