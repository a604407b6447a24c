import type { Bundle } from 'fhir/r4';
import type { PaperFormChoices } from '@passerelle/consent/paper-form';
import type { ValidAddress } from './address';
import type { AgencyKind, ConsentAction, Language } from './strings';

/**
 * What each kind of letter needs to be written. Every text field may come from outside the service
 * (a patient's name, an agency's reason): the renderer prints it as plain text, whatever it holds.
 */

/** The service writing to the patient: the deployment's contact details, on every letter. */
export interface LetterSender {
  /** The service's name ("Passerelle – Hauts-de-France"). */
  service: string;
  /** Its postal address, one line each. */
  addressLines: readonly string[];
  phone?: string;
  /** Opening hours of the phone line ("lundi–vendredi, 9 h–17 h"). */
  hours?: string;
  email?: string;
  /**
   * ISO 3166-1 alpha-2 code of the country letters are posted from (FR when absent): its
   * addresses need no country line, others end with the country's name in its language.
   */
  country?: string;
}

export interface LetterCommon {
  /** Shown on the letter and quoted by the patient when they call: not the patient's identifier. */
  reference: string;
  /** The date printed on the letter. */
  date: Date;
  /** Where to post it: only `validateAddress` makes one. */
  address: ValidAddress;
  /** How the letter greets the patient. */
  patientName: string;
  sender: LetterSender;
  /** French unless the patient asked for English. */
  language?: Language;
  /** Every text at 16 pt or more (the address block excepted). */
  largePrint?: boolean;
  /** IANA time zone dates are printed in; Europe/Paris by default. */
  timeZone?: string;
}

/** A plain-language rendering of the summary document (a FHIR `document` Bundle, see @passerelle/summary). */
export interface PatientSummaryLetter extends LetterCommon {
  kind: 'patient-summary';
  summary: Bundle;
  /**
   * One of the envelopes a summary too long for one is posted in (splitLetter): which one, of how
   * many, and the entries it prints, [from, to) over the summary's entries in order (an empty
   * section counts as one entry, its "nothing recorded").
   */
  envelope?: { index: number; of: number; from: number; to: number };
}

/** Information of one kind that was shown, as a FHIR resource type or a sensitivity label. */
export interface SeenData {
  dataClass: string;
  count?: number;
}

/** One emergency access, or several requests of the same person with the same reason, back to back. */
export interface BreakGlassAccess {
  at: Date;
  /** The last request of a run of requests (same person, same reason) shown as one access. */
  until?: Date;
  /** How many requests this access stands for (1 when absent). */
  requests?: number;
  agency: string;
  practitioner?: string;
  reason?: string;
  seen: readonly SeenData[];
}

/** Someone used break-glass (emergency access overriding the patient's choices) on the record. */
export interface BreakGlassLetter extends LetterCommon {
  kind: 'break-glass';
  /** The first (or only) access. */
  access: BreakGlassAccess;
  /**
   * Every access of the episode (one agency, one day), oldest first, `access` among them: one
   * letter lists them all. Absent or a single entry: the letter tells of `access` alone.
   */
  accesses?: readonly BreakGlassAccess[];
}

/** One access to the record, as the audit trail has it (`$access-report`). */
export interface AccessEntry {
  at: Date;
  agency?: string;
  practitioner?: string;
  /** FHIR resource type or sensitivity label of what was accessed. */
  dataClass?: string;
  /** v3 ActReason purpose of use (TREAT, ETREAT ...). */
  purpose?: string;
  breakGlass: boolean;
}

/** Who looked at the record during a period (sent periodically). */
export interface AccessReportLetter extends LetterCommon {
  kind: 'access-report';
  period: { start: Date; end: Date };
  accesses: readonly AccessEntry[];
}

/** One rule of the patient's sharing choices; an empty list means "all". */
export interface SharingRule {
  decision: 'permit' | 'deny';
  agencies?: readonly string[];
  agencyKinds?: readonly AgencyKind[];
  purposes?: readonly string[];
  /** FHIR resource types or sensitivity labels. */
  dataClasses?: readonly string[];
  period?: { start?: Date; end?: Date };
}

/**
 * The form a consent letter carries, on a page of its own: boxes to agree to or refuse sharing
 * with each kind of agency and to open sensitive categories, a signature and date box, and the
 * code the mailroom types in when the patient posts it back.
 */
export interface PaperConsentForm {
  /** `newFormCode()`: unguessable, with a check symbol. */
  code: string;
  /** The last day the form is accepted. */
  expires: Date;
}

/** One recorded version of the patient's sharing choices. */
export interface ConsentChange {
  action: ConsentAction;
  at: Date;
  /** Who recorded it: an agency's name, and the person when known. */
  recordedBy: string;
  rules: readonly SharingRule[];
}

/** The patient's sharing choices (Consent) were recorded, changed or withdrawn. */
export interface ConsentChangeLetter extends LetterCommon {
  kind: 'consent-change';
  /** The first (or only) change. */
  change: ConsentChange;
  /**
   * Every change made together (one agency, one day), oldest first, `change` among them: one
   * letter lists them all. Absent or a single entry: the letter tells of `change` alone.
   */
  changes?: readonly ConsentChange[];
  /** For a patient who answers on paper. */
  form?: PaperConsentForm;
}

/** The hub recorded the choices of a paper form the patient signed and posted back. */
export interface ConsentFormRecordedLetter extends LetterCommon {
  kind: 'consent-form-recorded';
  recorded: {
    at: Date;
    /** The reference of the letter whose form came back. */
    formLetter: string;
    choices: PaperFormChoices;
  };
  /** A new form, to correct the choices. */
  form?: PaperConsentForm;
}

/** Where an appointment takes place: a Location's name, postal address and how to get there. */
export interface AppointmentPlace {
  name?: string;
  addressLines: readonly string[];
  directions?: string;
}

/** An appointment was booked, moved to another time, or cancelled. */
export interface AppointmentLetter extends LetterCommon {
  kind: 'appointment';
  appointment: {
    change: 'booked' | 'moved' | 'cancelled';
    start: Date;
    end?: Date;
    /** A moved appointment: the time the patient was told before. */
    previousStart?: Date;
    /** Who booked it (the agency's name). */
    agency: string;
    /** The practitioners or services the patient will see. */
    with: readonly string[];
    /** What it is for ("Consultation de cardiologie"); left out when the appointment is sensitive. */
    what?: string;
    place?: AppointmentPlace;
    /** What to bring and how to prepare (Appointment.patientInstruction). */
    bring?: string;
    /** The number to call to change or cancel it. */
    phone?: string;
  };
}

/** One medicine the patient takes now. */
export interface MedicineItem {
  name: string;
  dose?: string;
  /** When and how to take it ("1 comprimé le matin"). */
  when?: string;
  /** Who prescribed it: a person and/or the agency. */
  prescriber?: string;
  /** Since the last letter: started, or changed (dose, timing). */
  change?: 'started' | 'changed';
}

/** The patient's current medicines, after a hospital stay or a change to a long-term treatment. */
export interface MedicinesLetter extends LetterCommon {
  kind: 'medicines';
  medicines: {
    /** The hospital whose stay ended, when a discharge is what the letter follows. */
    dischargedFrom?: string;
    items: readonly MedicineItem[];
    /** Medicines stopped since the last letter. */
    stopped: readonly { name: string; prescriber?: string }[];
    /** Some medicines are left out: labelled sensitive, and the patient did not ask for them by post. */
    withheld: boolean;
    /** No earlier medicines letter: nothing to compare with. */
    first: boolean;
  };
}

export type Letter =
  | PatientSummaryLetter
  | BreakGlassLetter
  | AccessReportLetter
  | ConsentChangeLetter
  | ConsentFormRecordedLetter
  | AppointmentLetter
  | MedicinesLetter;
export type LetterKind = Letter['kind'];

/** Every kind of letter, as the mailroom stores and lists them. */
export const LETTER_KINDS = [
  'break-glass',
  'consent-change',
  'consent-form-recorded',
  'access-report',
  'patient-summary',
  'appointment',
  'medicines',
] as const satisfies readonly LetterKind[];

/** A letter would need more pages than the envelope takes (10): it is held, not truncated. */
export class LetterTooLongError extends Error {
  readonly code = 'too-long';
  constructor(readonly pages: number) {
    super(`The letter needs ${pages} pages; at most 10 fit one envelope.`);
    this.name = 'LetterTooLongError';
  }
}

/** Compile-time: LETTER_KINDS lists every kind (a kind left out does not compile). */
const everyKind: Exclude<LetterKind, (typeof LETTER_KINDS)[number]> extends never ? true : never = true;
void everyKind;
