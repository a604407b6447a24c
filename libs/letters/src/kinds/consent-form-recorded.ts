import { PAPER_FORM_AGENCY_KINDS, PAPER_FORM_CATEGORY_KEYS } from '@passerelle/consent/paper-form';
import { formatDate } from '../format';
import type { Writer } from '../layout/writer';
import type { ConsentFormRecordedLetter } from '../letter-types';
import { plainLine } from '../plain-text';
import type { LetterStrings } from '../strings';

/** "We recorded your choice": each box of the form as the hub read it, in plain words. */
export const consentFormRecordedLetter = {
  title: (t: LetterStrings): string => t.consentFormRecorded.title,
  body(w: Writer, letter: ConsentFormRecordedLetter, t: LetterStrings): void {
    const c = t.consentFormRecorded;
    const f = t.consentForm;
    const { at, formLetter, choices } = letter.recorded;
    w.paragraph(c.intro(formatDate(at, t, letter.timeZone), plainLine(formLetter, 40)));
    w.heading(c.sharingHeading);
    for (const kind of PAPER_FORM_AGENCY_KINDS)
      w.labelled(f.kinds[kind], c.sharing(choices.sharing[kind]), t.colon);
    w.gap();
    w.heading(c.sensitiveHeading);
    for (const category of PAPER_FORM_CATEGORY_KEYS) {
      const kinds = PAPER_FORM_AGENCY_KINDS.filter((k) => choices.sensitive[category]?.includes(k));
      const who = kinds.map((k) => c.kinds[k]);
      w.labelled(f.categories[category], who.length > 0 ? t.listJoin(who) : c.nobody, t.colon);
    }
    w.gap();
    w.paragraph(c.replaces);
    w.paragraph(c.notYou(plainLine(letter.reference, 40)));
  },
};
