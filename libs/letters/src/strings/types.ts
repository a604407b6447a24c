import type { PaperFormCategory } from '@passerelle/consent/paper-form';
import type { SummarySectionKey } from '@passerelle/summary';

export const LANGUAGES = ['fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
/** French unless the patient asked for English. */
export const DEFAULT_LANGUAGE: Language = 'fr';

export interface ContactLines {
  phone?: string;
  email?: string;
  address: string;
  hours?: string;
}

/**
 * Every word a letter prints that is not the patient's data, per language. Functions receive text
 * that has already been made plain (see plain-text.ts) and return plain text.
 */
export interface LetterStrings {
  /** BCP 47 tag for dates and the PDF's /Lang. */
  locale: string;
  /** Between a label and its value (French puts a space before the colon). */
  colon: string;
  date: string;
  reference: string;
  phone: string;
  email: string;
  page: (page: number, of: number) => string;
  greeting: (name: string) => string;
  signOff: string;
  team: (service: string) => string;
  nothingRecorded: string;
  unknownDate: string;
  unknown: string;
  /** Joins "A, B and C". */
  listJoin: (items: readonly string[]) => string;
  footer: {
    contact: (c: ContactLines) => string;
    object: string;
    largePrint: (isLargePrint: boolean) => string;
  };
  summary: {
    title: string;
    intro: (service: string) => string;
    sections: Readonly<Record<SummarySectionKey, string>>;
    recordedBy: (agency: string) => string;
    /** "on 3 March 2024", "in March 2024": the date as recorded, day, month or year. */
    dated: (date: string, precision: DatePrecision) => string;
    correction: string;
  };
  breakGlass: {
    title: string;
    intro: (when: string, who: string) => string;
    byPractitioner: (practitioner: string, agency: string) => string;
    reasonLabel: string;
    noReason: string;
    seenLabel: string;
    nothingSeen: string;
    whatYouCanDo: string;
    actions: (reference: string) => readonly string[];
  };
  accessReport: {
    title: string;
    intro: (start: string, end: string) => string;
    columns: { when: string; who: string; what: string; why: string };
    breakGlass: string;
    breakGlassNote: string;
    none: string;
    times: (count: number) => string;
    question: (reference: string) => string;
  };
  consentChange: {
    title: string;
    intro: (action: ConsentAction, when: string, by: string) => string;
    rule: (index: number, decision: 'permit' | 'deny') => string;
    who: string;
    what: string;
    why: string;
    when: string;
    everyone: string;
    allData: string;
    anyPurpose: string;
    always: string;
    from: (date: string) => string;
    until: (date: string) => string;
    between: (start: string, end: string) => string;
    agencyKinds: Readonly<Record<AgencyKind, string>>;
    noRules: string;
    notYou: (reference: string) => string;
  };
  /** The paper form a consent letter carries. */
  consentForm: {
    title: string;
    intro: string;
    name: string;
    code: string;
    returnBy: (date: string) => string;
    returnTo: (address: string) => string;
    sharingHeading: string;
    sharingHelp: string;
    agree: string;
    refuse: string;
    kinds: Readonly<Record<AgencyKind, string>>;
    sensitiveHeading: string;
    sensitiveHelp: string;
    categories: Readonly<Record<PaperFormCategory, string>>;
    signature: string;
    date: string;
    /** Printed in the letter's body when the form is attached. */
    attached: string;
  };
  /** The confirmation of a paper form's choices. */
  consentFormRecorded: {
    title: string;
    intro: (when: string, formLetter: string) => string;
    sharingHeading: string;
    sharing: (decision: 'permit' | 'deny' | undefined) => string;
    sensitiveHeading: string;
    /** Kinds of agency within a sentence ("hospitals and GP practices"). */
    kinds: Readonly<Record<AgencyKind, string>>;
    nobody: string;
    replaces: string;
    notYou: (reference: string) => string;
  };
  /** An appointment booked, moved or cancelled. */
  appointment: {
    title: (change: AppointmentChange) => string;
    intro: (change: AppointmentChange, agency: string) => string;
    /** A moved appointment: the old time no longer holds. */
    previously: (when: string) => string;
    when: string;
    /** "de 14:30 à 15:00" / "14:30 to 15:00". */
    until: (time: string) => string;
    where: string;
    directions: string;
    withWhom: string;
    what: string;
    bring: string;
    change: string;
    /** How to change or cancel it: the agency's phone, or the service's when the agency gave none. */
    howToChange: (agency: string, phone: string | undefined) => string;
    cancelledNote: string;
    late: string;
  };
  /** The patient's current medicines. */
  medicines: {
    title: string;
    intro: (dischargedFrom: string | undefined) => string;
    current: string;
    none: string;
    dose: string;
    when: string;
    prescriber: string;
    started: string;
    changed: string;
    stoppedHeading: string;
    stopped: (name: string, prescriber: string | undefined) => string;
    noChange: string;
    first: string;
    /** Some items were left out; how to get them. */
    withheld: (reference: string) => string;
    advice: string;
  };
  clinician: {
    title: string;
    patient: string;
    born: string;
    identifier: string;
    generated: string;
    source: string;
    status: string;
    sectionTitles: Readonly<Record<SummarySectionKey, string>>;
  };
  /** Letters that gather several events (an emergency episode, changes made together) or span envelopes. */
  grouped: GroupedStrings;
  /** Plain names of FHIR resource types and sensitivity labels ("what was seen"). */
  dataClasses: Readonly<Record<string, string>>;
  otherData: (code: string) => string;
  /** v3 ActReason purposes of use. */
  purposes: Readonly<Record<string, string>>;
  otherPurpose: (code: string) => string;
  /** Clinical and verification statuses, as FHIR codes. */
  statuses: Readonly<Record<string, string>>;
}

export interface GroupedStrings {
  /** An emergency episode: `count` accesses, by `who`, on `day`. */
  breakGlassIntro: (count: number, day: string, who: string) => string;
  /** "Accès 2 : 3 mars 2025 à 14:32" */
  access: (index: number, when: string) => string;
  /** Several requests by the same person for the same reason: "de 14:02 à 14:35, 20 consultations". */
  requests: (from: string, to: string, count: number) => string;
  who: string;
  /** Changes to the sharing choices made together. */
  consentIntro: (count: number, day: string) => string;
  /** "Modification 2 : le 3 mars 2025 à 14:32" */
  change: (index: number, when: string) => string;
  /** A letter in several envelopes: "Enveloppe 1 sur 2". */
  envelope: (index: number, of: number) => string;
  /** Why the letter comes in several envelopes, on each envelope's first page. */
  envelopeNote: (of: number, reference: string) => string;
  /** A section carried over from the previous envelope. */
  continued: (heading: string) => string;
}

export type AppointmentChange = 'booked' | 'moved' | 'cancelled';
export type DatePrecision = 'day' | 'month' | 'year';
export type ConsentAction = 'created' | 'updated' | 'withdrawn';
export type AgencyKind = 'hospital' | 'gp' | 'specialist';
