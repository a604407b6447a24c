import { dataClassName, formatDateTime } from '../format';
import type { Writer } from '../layout/writer';
import type { BreakGlassLetter } from '../letter-types';
import { plainLine, plainParagraph } from '../plain-text';
import type { LetterStrings } from '../strings';
import { breakGlassEpisode } from './episodes';

/**
 * Someone overrode the patient's choices in an emergency: when, who, why, what they saw, what to
 * do. An episode of several accesses is one letter listing each (see episodes.ts).
 */
export const breakGlassLetter = {
  title: (t: LetterStrings): string => t.breakGlass.title,
  body(w: Writer, letter: BreakGlassLetter, t: LetterStrings): void {
    const accesses = letter.accesses ?? [];
    if (accesses.length > 1 || (accesses[0]?.requests ?? 1) > 1)
      return breakGlassEpisode(w, letter, accesses, t);
    const access = letter.access;
    const agency = plainLine(access.agency, 120) || t.unknown;
    const practitioner = plainLine(access.practitioner, 120);
    const who = practitioner ? t.breakGlass.byPractitioner(practitioner, agency) : agency;
    w.paragraph(t.breakGlass.intro(formatDateTime(access.at, t, letter.timeZone), who));

    w.heading(t.breakGlass.reasonLabel);
    const reason = plainParagraph(access.reason, 1500);
    w.paragraph(reason || t.breakGlass.noReason);

    w.heading(t.breakGlass.seenLabel);
    if (access.seen.length === 0) w.paragraph(t.breakGlass.nothingSeen);
    else {
      w.bullets(
        access.seen.slice(0, 40).map((s) => {
          const name = dataClassName(plainLine(s.dataClass, 60), t);
          return s.count && s.count > 1 ? `${name} (${s.count})` : name;
        }),
      );
    }

    w.heading(t.breakGlass.whatYouCanDo);
    w.bullets(t.breakGlass.actions(plainLine(letter.reference, 40)));
  },
};
