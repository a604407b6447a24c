import {
  type AgencyKind,
  PAPER_FORM_AGENCY_KINDS,
  PAPER_FORM_CATEGORY_KEYS,
  type PaperFormCategory,
  type PaperFormChoices,
  paperFormProblems,
} from '@passerelle/consent';
import { readFormCode } from '@passerelle/letters';
import { MailroomError } from './mailroom.types';

/**
 * A returned paper form as the mailroom keys it in (`POST /admin/mailroom/consent-forms`), read
 * and checked before anything is looked up: the code's check symbol, the boxes (only those the
 * form has), the signature, and ticks that contradict each other. Every problem is listed at once.
 *
 * ```json
 * { "code": "K7QM-2XWP-9TRB-4",
 *   "sharing": { "hospital": { "refuse": true }, "gp": { "agree": true } },
 *   "sensitive": { "mental-health": ["gp"] },
 *   "signed": true, "signedOn": "2025-05-18" }
 * ```
 */
export interface ConsentFormAnswer {
  /** As stored: grouped, upper case. */
  code: string;
  choices: PaperFormChoices;
  /** The date written beside the signature, when there is one (YYYY-MM-DD). */
  signedOn?: string;
}

const FIELDS = ['code', 'sharing', 'sensitive', 'signed', 'signedOn'];
const BOXES = ['agree', 'refuse'];
const DAY_MS = 86_400_000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) => PAPER_FORM_AGENCY_KINDS.find((k) => k === v);

function readSharing(value: unknown, problems: string[]): PaperFormChoices['sharing'] {
  const sharing: PaperFormChoices['sharing'] = {};
  if (value === undefined) return sharing;
  if (!isObject(value)) {
    problems.push(`sharing must be an object keyed by agency kind (${PAPER_FORM_AGENCY_KINDS.join(', ')})`);
    return sharing;
  }
  for (const [key, boxes] of Object.entries(value)) {
    const kind = kindOf(key);
    if (!kind) {
      problems.push(
        `sharing has no line "${key.slice(0, 40)}": the form's lines are ${PAPER_FORM_AGENCY_KINDS.join(', ')}`,
      );
      continue;
    }
    if (
      !isObject(boxes) ||
      Object.entries(boxes).some(([b, v]) => !BOXES.includes(b) || typeof v !== 'boolean')
    ) {
      problems.push(`sharing.${kind} must be { "agree"?: boolean, "refuse"?: boolean }`);
      continue;
    }
    if (boxes.agree === true && boxes.refuse === true)
      problems.push(`contradictory ticks: ${kind} is both agreed to and refused`);
    else if (boxes.agree === true) sharing[kind] = 'permit';
    else if (boxes.refuse === true) sharing[kind] = 'deny';
  }
  return sharing;
}

function readSensitive(value: unknown, problems: string[]): PaperFormChoices['sensitive'] {
  const sensitive: Partial<Record<PaperFormCategory, AgencyKind[]>> = {};
  if (value === undefined) return sensitive;
  if (!isObject(value)) {
    problems.push(`sensitive must be an object keyed by category (${PAPER_FORM_CATEGORY_KEYS.join(', ')})`);
    return sensitive;
  }
  for (const [key, kinds] of Object.entries(value)) {
    const category = PAPER_FORM_CATEGORY_KEYS.find((c) => c === key);
    if (!category) {
      problems.push(
        `sensitive has no line "${key.slice(0, 40)}": the form's lines are ${PAPER_FORM_CATEGORY_KEYS.join(', ')}`,
      );
      continue;
    }
    const read = Array.isArray(kinds) ? kinds.map(kindOf) : [undefined];
    if (read.some((k) => k === undefined) || new Set(read).size !== read.length) {
      problems.push(
        `sensitive.${category} must list agency kinds ticked, each once (${PAPER_FORM_AGENCY_KINDS.join(', ')})`,
      );
      continue;
    }
    if (read.length > 0) sensitive[category] = read.filter((k): k is AgencyKind => k !== undefined);
  }
  return sensitive;
}

function readSignedOn(value: unknown, problems: string[]): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const date =
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? new Date(`${value}T00:00:00Z`)
      : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    problems.push('signedOn must be the date written on the form, YYYY-MM-DD');
    return undefined;
  }
  // A day's grace either way of UTC: the patient's "today" may already be tomorrow here.
  if (date.getTime() > Date.now() + DAY_MS) problems.push('signedOn is in the future');
  return value;
}

/** The answer, or a MailroomError `invalid` naming every problem. */
export function readConsentFormAnswer(body: unknown): ConsentFormAnswer {
  if (!isObject(body)) throw new MailroomError('invalid', 'The body must be a JSON object');
  const problems: string[] = [];
  const unknown = Object.keys(body).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) problems.push(`unknown fields: ${unknown.map((k) => k.slice(0, 40)).join(', ')}`);
  const code = readFormCode(body.code);
  if (!code.ok) problems.push(code.problem);
  const choices = {
    sharing: readSharing(body.sharing, problems),
    sensitive: readSensitive(body.sensitive, problems),
  };
  if (body.signed !== true) problems.push('signed must be true: an unsigned form cannot be recorded');
  const signedOn = readSignedOn(body.signedOn, problems);
  if (problems.length === 0) problems.push(...paperFormProblems(choices));
  if (problems.length > 0 || !code.ok) throw new MailroomError('invalid', problems.join('; '));
  return { code: code.code, choices, ...(signedOn ? { signedOn } : {}) };
}
