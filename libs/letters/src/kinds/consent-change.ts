import { dataClassName, formatDate, purposeName } from '../format';
import type { Writer } from '../layout/writer';
import type { ConsentChange, ConsentChangeLetter, SharingRule } from '../letter-types';
import { plainLine } from '../plain-text';
import type { LetterStrings } from '../strings';
import { consentChanges } from './episodes';

/** At most this many names per list: a rule naming more reads as "these and others" anyway. */
const MAX_LIST = 30;

function names(values: readonly string[] | undefined, name: (v: string) => string): string[] {
  return (values ?? [])
    .slice(0, MAX_LIST)
    .map((v) => name(plainLine(v, 120)))
    .filter(Boolean);
}

function period(rule: SharingRule, t: LetterStrings, timeZone: string | undefined): string {
  const start = rule.period?.start && formatDate(rule.period.start, t, timeZone);
  const end = rule.period?.end && formatDate(rule.period.end, t, timeZone);
  if (start && end) return t.consentChange.between(start, end);
  if (start) return t.consentChange.from(start);
  if (end) return t.consentChange.until(end);
  return t.consentChange.always;
}

function drawRules(w: Writer, change: ConsentChange, t: LetterStrings, timeZone: string | undefined): void {
  const c = t.consentChange;
  if (change.rules.length === 0) w.paragraph(c.noRules);
  change.rules.slice(0, 50).forEach((rule, i) => {
    w.heading(c.rule(i + 1, rule.decision));
    const who = [...names(rule.agencies, (v) => v), ...(rule.agencyKinds ?? []).map((k) => c.agencyKinds[k])];
    const what = names(rule.dataClasses, (v) => dataClassName(v, t));
    const why = names(rule.purposes, (v) => purposeName(v, t));
    w.labelled(c.who, who.length > 0 ? t.listJoin(who) : c.everyone, t.colon);
    w.labelled(c.what, what.length > 0 ? t.listJoin(what) : c.allData, t.colon);
    w.labelled(c.why, why.length > 0 ? t.listJoin(why) : c.anyPurpose, t.colon);
    w.labelled(c.when, period(rule, t, timeZone), t.colon);
    w.gap();
  });
}

/**
 * The patient's sharing choices as recorded: one block per rule, in plain words. Changes made
 * together come in one letter, each with its rules, oldest first.
 */
export const consentChangeLetter = {
  title: (t: LetterStrings): string => t.consentChange.title,
  body(w: Writer, letter: ConsentChangeLetter, t: LetterStrings): void {
    const c = t.consentChange;
    const changes = letter.changes ?? [];
    if (changes.length > 1)
      consentChanges(w, letter, changes, t, (change) => drawRules(w, change, t, letter.timeZone));
    else {
      const change = letter.change;
      const by = plainLine(change.recordedBy, 160) || t.unknown;
      w.paragraph(c.intro(change.action, formatDate(change.at, t, letter.timeZone), by));
      drawRules(w, change, t, letter.timeZone);
    }
    w.paragraph(c.notYou(plainLine(letter.reference, 40)));
    if (letter.form) w.paragraph(t.consentForm.attached);
  },
};
