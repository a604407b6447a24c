import type { Appointment, Encounter, MedicationRequest, ServiceRequest } from 'fhir/r4';
import { appointmentEvents, appointmentFacts, longTermChange, stayEnded } from './care-changes';

const NOW = new Date('2026-12-01T09:00:00Z');
const LATER = '2026-12-10T13:30:00Z';

function appointment(extra: Partial<Appointment> = {}): Appointment {
  return {
    resourceType: 'Appointment',
    status: 'booked',
    start: LATER,
    end: '2026-12-10T14:00:00Z',
    participant: [
      { actor: { reference: 'Patient/p1' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/dr' }, status: 'accepted' },
    ],
    ...extra,
  };
}

const events = (
  before: Appointment | ServiceRequest | undefined,
  after: Appointment | ServiceRequest | undefined,
) => appointmentEvents(appointmentFacts(before), appointmentFacts(after), NOW);

describe('appointment changes', () => {
  it('booked, moved, cancelled, per patient among the participants', () => {
    expect(events(undefined, appointment())).toEqual([
      { patientId: 'p1', change: 'booked', start: new Date(LATER) },
    ]);
    const moved = appointment({ start: '2026-12-12T08:00:00Z' });
    expect(events(appointment(), moved)).toEqual([
      {
        patientId: 'p1',
        change: 'moved',
        start: new Date('2026-12-12T08:00:00Z'),
        previousStart: new Date(LATER),
      },
    ]);
    expect(events(appointment(), appointment({ status: 'cancelled' }))).toEqual([
      { patientId: 'p1', change: 'cancelled', start: new Date(LATER) },
    ]);
    // Deleted: cancelled too.
    expect(events(appointment(), undefined)).toMatchObject([{ change: 'cancelled' }]);
  });

  it('says nothing for a change the patient need not hear of, a past appointment, or a declined participant', () => {
    expect(events(appointment(), appointment({ comment: 'salle 3' }))).toEqual([]);
    expect(events(undefined, appointment({ status: 'proposed' }))).toEqual([]);
    expect(events(undefined, appointment({ start: '2026-11-01T08:00:00Z' }))).toEqual([]);
    const declined = appointment({
      participant: [{ actor: { reference: 'Patient/p1' }, status: 'declined' }],
    });
    expect(events(undefined, declined)).toEqual([]);
  });

  it('a ServiceRequest given a time is an appointment at the clinic; a date alone is not', () => {
    const referral: ServiceRequest = {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p2' },
      occurrenceDateTime: LATER,
    };
    expect(events(undefined, referral)).toMatchObject([{ patientId: 'p2', change: 'booked' }]);
    expect(events(undefined, { ...referral, occurrenceDateTime: '2026-12-10' })).toEqual([]);
    expect(events(referral, { ...referral, status: 'revoked' })).toMatchObject([{ change: 'cancelled' }]);
  });
});

describe('medicine changes', () => {
  const longTerm = (extra: Partial<MedicationRequest> = {}): MedicationRequest => ({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    courseOfTherapyType: { coding: [{ code: 'continuous' }] },
    medicationCodeableConcept: { text: 'Amlodipine 5 mg' },
    dosageInstruction: [{ text: '1 le soir' }],
    authoredOn: '2026-11-30',
    ...extra,
  });

  it('a long-term medicine started, changed or stopped is news; a note, an old one uploaded, or a short course is not', () => {
    expect(longTermChange(undefined, longTerm(), NOW)).toBe(true);
    expect(longTermChange(longTerm(), longTerm({ dosageInstruction: [{ text: '2 le soir' }] }), NOW)).toBe(
      true,
    );
    expect(longTermChange(longTerm(), longTerm({ status: 'stopped' }), NOW)).toBe(true);
    expect(longTermChange(longTerm(), undefined, NOW)).toBe(true);
    expect(longTermChange(longTerm(), longTerm({ note: [{ text: 'vu' }] }), NOW)).toBe(false);
    expect(longTermChange(undefined, longTerm({ authoredOn: '2020-01-01' }), NOW)).toBe(false);
    expect(
      longTermChange(undefined, longTerm({ courseOfTherapyType: { coding: [{ code: 'acute' }] } }), NOW),
    ).toBe(false);
  });

  it('a stay ends when it becomes finished, lately', () => {
    const stay = (status: Encounter['status'], end = '2026-11-30T10:00:00Z'): Encounter => ({
      resourceType: 'Encounter',
      status,
      class: { code: 'IMP' },
      period: { end },
    });
    expect(stayEnded(stay('in-progress'), stay('finished'), NOW)).toBe(true);
    expect(stayEnded(undefined, stay('finished'), NOW)).toBe(true);
    expect(stayEnded(stay('finished'), stay('finished'), NOW)).toBe(false);
    expect(stayEnded(undefined, stay('finished', '2025-01-01'), NOW)).toBe(false);
  });
});
