import { createHash } from 'node:crypto';
import type { Communication } from 'fhir/r4';
import type { Language, LetterKind } from '@passerelle/letters';

/**
 * The hub's own FHIR Communications: the online notice a patient with an account gets instead of
 * a letter, and the notice to each agency holding a record of a person whose letter came back.
 * Plain text, no clinical data: who, when, a reference, where to look. Ids and content are
 * derived from the letter, so writing one twice changes nothing (the store sees the same content).
 */

export const COMMUNICATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/communication-category';
/** Communication.identifier system: the letter (or letter + agency) a Communication stands for. */
export const LETTER_IDENTIFIER_SYSTEM = 'urn:passerelle:letter';
/** Communication.topic: which kind of notice (the letter kinds). */
export const LETTER_KIND_SYSTEM = 'https://passerelle.health/fhir/CodeSystem/letter-kind';

/** A UUID (RFC 9562 version 8, name-based) from SHA-256 of the parts. */
export function uuidFrom(...parts: string[]): string {
  const h = createHash('sha256').update(JSON.stringify(parts)).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The facts a notice names: an agency's name, dates; never what the record holds. */
export interface NoticeFacts {
  kind: LetterKind;
  reference: string;
  language: Language;
  timeZone: string;
  /** When it happened (break-glass access, consent recorded). */
  at?: Date;
  /** Who (the agency's name). */
  agency?: string;
  period?: { start: Date; end: Date };
  /** appointment: booked, moved or cancelled (`at` is the appointment's start). */
  change?: 'booked' | 'moved' | 'cancelled';
}

function day(date: Date | undefined, language: Language, timeZone: string): string {
  if (!date) return '';
  return new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'long',
    timeZone,
  }).format(date);
}

function dayTime(date: Date | undefined, language: Language, timeZone: string): string {
  if (!date) return '';
  return new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'full',
    timeStyle: 'short',
    timeZone,
  }).format(date);
}

export function noticeText(f: NoticeFacts): string {
  const d = (date?: Date) => day(date, f.language, f.timeZone);
  const dt = (date?: Date) => dayTime(date, f.language, f.timeZone);
  const who = f.agency ?? (f.language === 'fr' ? 'un établissement' : 'a care provider');
  if (f.language === 'fr') {
    const ref = ` Référence : ${f.reference}.`;
    switch (f.kind) {
      case 'break-glass':
        return `Le ${d(f.at)}, ${who} a consulté votre dossier de santé en urgence, en passant outre vos choix de partage (accès « bris de glace »). Le détail figure dans le relevé des accès de votre espace en ligne.${ref}`;
      case 'consent-change':
        return `Vos choix de partage de votre dossier de santé ont été enregistrés le ${d(f.at)} par ${who}. Vous pouvez les consulter et les modifier dans votre espace en ligne.${ref}`;
      case 'access-report':
        return `Le relevé des accès à votre dossier de santé du ${d(f.period?.start)} au ${d(f.period?.end)} est disponible dans votre espace en ligne.${ref}`;
      case 'patient-summary':
        return `Un résumé de votre dossier de santé est disponible dans votre espace en ligne.${ref}`;
      case 'consent-form-recorded':
        return `Les choix de partage du formulaire papier que vous avez renvoyé ont été enregistrés le ${d(f.at)}.${ref}`;
      case 'appointment':
        return f.change === 'cancelled'
          ? `${who} a annulé votre rendez-vous du ${dt(f.at)}.${ref}`
          : f.change === 'moved'
            ? `${who} a déplacé votre rendez-vous : il a lieu le ${dt(f.at)}. Le détail est dans votre espace en ligne.${ref}`
            : `${who} a pris un rendez-vous pour vous le ${dt(f.at)}. Le lieu et ce qu’il faut apporter sont dans votre espace en ligne.${ref}`;
      case 'medicines':
        return `La liste de vos médicaments a changé le ${d(f.at)}. Elle est à jour dans votre espace en ligne.${ref}`;
    }
  }
  const ref = ` Reference: ${f.reference}.`;
  switch (f.kind) {
    case 'break-glass':
      return `On ${d(f.at)}, ${who} looked at your health record in an emergency, overriding your sharing choices (a “break-glass” access). The details are in the access report in your online account.${ref}`;
    case 'consent-change':
      return `Your choices about sharing your health record were recorded on ${d(f.at)} by ${who}. You can see and change them in your online account.${ref}`;
    case 'access-report':
      return `The report of who accessed your health record from ${d(f.period?.start)} to ${d(f.period?.end)} is in your online account.${ref}`;
    case 'patient-summary':
      return `A summary of your health record is in your online account.${ref}`;
    case 'consent-form-recorded':
      return `The sharing choices of the paper form you sent back were recorded on ${d(f.at)}.${ref}`;
    case 'appointment':
      return f.change === 'cancelled'
        ? `${who} has cancelled your appointment of ${dt(f.at)}.${ref}`
        : f.change === 'moved'
          ? `${who} has moved your appointment to ${dt(f.at)}. The details are in your online account.${ref}`
          : `${who} has booked an appointment for you on ${dt(f.at)}. Where it is and what to bring are in your online account.${ref}`;
    case 'medicines':
      return `Your list of medicines changed on ${d(f.at)}. The current list is in your online account.${ref}`;
  }
}

const NOTIFICATION = [{ coding: [{ system: COMMUNICATION_CATEGORY_SYSTEM, code: 'notification' }] }];

/** The online notice to a patient, in place of a letter: its id is the letter's. */
export type HubCommunication = Communication & { id: string };

export function patientNotice(
  letterId: string,
  patientId: string,
  sent: Date,
  facts: NoticeFacts,
  options: { id?: string; about?: string } = {},
): HubCommunication {
  return {
    resourceType: 'Communication',
    id: options.id ?? letterId,
    identifier: [{ system: LETTER_IDENTIFIER_SYSTEM, value: letterId }],
    status: 'completed',
    category: NOTIFICATION,
    topic: { coding: [{ system: LETTER_KIND_SYSTEM, code: facts.kind }] },
    subject: { reference: `Patient/${patientId}` },
    ...(options.about ? { about: [{ reference: options.about }] } : {}),
    recipient: [{ reference: `Patient/${patientId}` }],
    sent: sent.toISOString(),
    payload: [{ contentString: noticeText(facts) }],
  };
}

/**
 * To the agency that booked an appointment too close for the post (`MAILROOM_LATE_LETTER_DAYS`):
 * the letter may arrive after the date, so the agency can phone the patient. About the
 * appointment, subject the agency's own record of the patient; no content beyond the letter's
 * reference and the date. One per letter (its id is derived from it).
 */
export function lateLetterNotice(
  letter: { id: string; reference: string },
  agency: string,
  agencyPatientId: string,
  appointment: string,
  start: Date,
  timeZone: string,
  sent: Date,
): HubCommunication {
  const fr = `Le courrier de rendez-vous (référence ${letter.reference}) pour le ${dayTime(start, 'fr', timeZone)} risque d’arriver après la date : merci de prévenir le patient par téléphone.`;
  const en = `The appointment letter (reference ${letter.reference}) for ${dayTime(start, 'en', timeZone)} may arrive after the date: please phone the patient.`;
  return {
    resourceType: 'Communication',
    id: uuidFrom('late-letter', letter.id, agency),
    identifier: [{ system: LETTER_IDENTIFIER_SYSTEM, value: `${letter.id}:late:${agency}` }],
    status: 'completed',
    category: NOTIFICATION,
    priority: 'urgent',
    topic: { coding: [{ system: LETTER_KIND_SYSTEM, code: 'letter-may-arrive-late' }] },
    subject: { reference: `Patient/${agencyPatientId}` },
    about: [{ reference: appointment }],
    recipient: [{ reference: `Organization/${agency}` }],
    sent: sent.toISOString(),
    payload: [{ contentString: fr }, { contentString: en }],
  };
}

/**
 * To an agency holding a record of the person: a letter came back and the address is flagged.
 * In French and in English (the agency's staff read one of them); the subject is the agency's own
 * record of the person.
 */
export function returnedMailNotice(
  letter: { id: string; reference: string },
  agency: string,
  agencyPatientId: string,
  returnedAt: Date,
): HubCommunication {
  const fr = `Un courrier de Passerelle adressé à ce patient est revenu non distribué (référence ${letter.reference}). L’adresse postale du dossier est signalée : aucun autre courrier n’y sera envoyé tant que l’adresse n’aura pas été mise à jour. Merci de vérifier l’adresse avec le patient.`;
  const en = `A letter from Passerelle to this patient was returned undelivered (reference ${letter.reference}). The postal address on record is flagged: no more letters will be sent to it until the address is updated. Please check the address with the patient.`;
  return {
    resourceType: 'Communication',
    id: uuidFrom('returned-mail', letter.id, agency),
    identifier: [{ system: LETTER_IDENTIFIER_SYSTEM, value: `${letter.id}:returned:${agency}` }],
    status: 'completed',
    category: NOTIFICATION,
    topic: { coding: [{ system: LETTER_KIND_SYSTEM, code: 'returned-mail' }] },
    subject: { reference: `Patient/${agencyPatientId}` },
    recipient: [{ reference: `Organization/${agency}` }],
    sent: returnedAt.toISOString(),
    payload: [{ contentString: fr }, { contentString: en }],
  };
}
