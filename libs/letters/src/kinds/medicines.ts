import type { Writer } from '../layout/writer';
import type { MedicineItem, MedicinesLetter } from '../letter-types';
import { plainLine } from '../plain-text';
import type { LetterStrings } from '../strings';

/** At most this many medicines are listed (a letter fits one envelope; a longer list is held, not cut). */
const MAX_ITEMS = 60;

function medicine(w: Writer, item: MedicineItem, t: LetterStrings): void {
  const flag =
    item.change === 'started' ? t.medicines.started : item.change === 'changed' ? t.medicines.changed : '';
  const name = plainLine(item.name, 200) || t.unknown;
  w.keep(w.lineHeight() * 3);
  w.paragraph(flag ? `${name} (${flag})` : name, { bold: true, gap: 0 });
  const dose = plainLine(item.dose, 200);
  const when = plainLine(item.when, 300);
  const by = plainLine(item.prescriber, 200);
  if (dose) w.labelled(t.medicines.dose, dose, t.colon);
  if (when) w.labelled(t.medicines.when, when, t.colon);
  if (by) w.labelled(t.medicines.prescriber, by, t.colon);
  w.gap();
}

/**
 * The patient's current medicines: name, how much, when, who prescribed it, what is new or changed
 * since the last letter, then what to stop. Items left out as sensitive are never named: the letter
 * only says some are missing and how to get the full list.
 */
export const medicinesLetter = {
  title: (t: LetterStrings): string => t.medicines.title,
  body(w: Writer, letter: MedicinesLetter, t: LetterStrings): void {
    const m = letter.medicines;
    const from = plainLine(m.dischargedFrom, 120);
    w.paragraph(t.medicines.intro(from || undefined));
    if (m.first) w.paragraph(t.medicines.first);
    w.heading(t.medicines.current);
    if (m.items.length === 0) w.paragraph(t.medicines.none);
    for (const item of m.items.slice(0, MAX_ITEMS)) medicine(w, item, t);
    if (!m.first) {
      w.heading(t.medicines.stoppedHeading);
      if (m.stopped.length === 0) w.paragraph(t.medicines.noChange);
      else
        w.bullets(
          m.stopped
            .slice(0, MAX_ITEMS)
            .map((s) =>
              t.medicines.stopped(
                plainLine(s.name, 200) || t.unknown,
                plainLine(s.prescriber, 200) || undefined,
              ),
            ),
        );
    }
    if (m.withheld) w.paragraph(t.medicines.withheld(plainLine(letter.reference, 40)), { bold: true });
    w.paragraph(t.medicines.advice);
  },
};
