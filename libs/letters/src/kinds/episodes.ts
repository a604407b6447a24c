import { dataClassName, formatDate, formatDateTime, formatTime } from '../format';
import type { Writer } from '../layout/writer';
import type {
  BreakGlassAccess,
  BreakGlassLetter,
  ConsentChange,
  ConsentChangeLetter,
  SeenData,
} from '../letter-types';
import { plainLine, plainParagraph } from '../plain-text';
import type { LetterStrings } from '../strings';

/**
 * Letters that tell of several events at once: every emergency access of one episode (one
 * agency, one day) and every change to the sharing choices made together. Each event says what a
 * letter of its own would have said (when, who, why, which kinds of data), no more.
 */

/** At most this many accesses or changes in one letter: an episode longer than that is cut short. */
export const MAX_EVENTS = 40;

function who(access: BreakGlassAccess, t: LetterStrings): string {
  const agency = plainLine(access.agency, 120) || t.unknown;
  const practitioner = plainLine(access.practitioner, 120);
  return practitioner ? t.breakGlass.byPractitioner(practitioner, agency) : agency;
}

function when(access: BreakGlassAccess, t: LetterStrings, timeZone: string | undefined): string {
  const at = formatDateTime(access.at, t, timeZone);
  if (!access.until || (access.requests ?? 1) < 2) return at;
  const range = t.grouped.requests(
    formatTime(access.at, t, timeZone),
    formatTime(access.until, t, timeZone),
    access.requests ?? 2,
  );
  return `${formatDate(access.at, t, timeZone)}, ${range}`;
}

function seen(access: BreakGlassAccess, t: LetterStrings): string {
  if (access.seen.length === 0) return t.breakGlass.nothingSeen;
  return t.listJoin(
    access.seen.slice(0, 40).map((s) => {
      const name = dataClassName(plainLine(s.dataClass, 60), t);
      return s.count && s.count > 1 ? `${name} (${s.count})` : name;
    }),
  );
}

/** The episode's accesses: one block each (when, who, reason, what was seen), then what to do. */
export function breakGlassEpisode(
  w: Writer,
  letter: BreakGlassLetter,
  accesses: readonly BreakGlassAccess[],
  t: LetterStrings,
): void {
  const g = t.grouped;
  const shown = accesses.slice(0, MAX_EVENTS);
  const agency = plainLine(accesses[0].agency, 120) || t.unknown;
  const count = accesses.reduce((n, a) => n + (a.requests ?? 1), 0);
  w.paragraph(g.breakGlassIntro(count, formatDate(accesses[0].at, t, letter.timeZone), agency));
  shown.forEach((access, i) => {
    w.heading(g.access(i + 1, when(access, t, letter.timeZone)));
    w.labelled(g.who, who(access, t), t.colon);
    w.labelled(
      t.breakGlass.reasonLabel,
      plainParagraph(access.reason, 500) || t.breakGlass.noReason,
      t.colon,
    );
    w.labelled(t.breakGlass.seenLabel, seen(access, t), t.colon);
  });
  w.heading(t.breakGlass.whatYouCanDo);
  w.bullets(t.breakGlass.actions(plainLine(letter.reference, 40)));
}

/** The changes made together, oldest first; each with its rules (drawn by `rules`). */
export function consentChanges(
  w: Writer,
  letter: ConsentChangeLetter,
  changes: readonly ConsentChange[],
  t: LetterStrings,
  rules: (change: ConsentChange) => void,
): void {
  const g = t.grouped;
  w.paragraph(g.consentIntro(changes.length, formatDate(changes[0].at, t, letter.timeZone)));
  changes.slice(0, MAX_EVENTS).forEach((change, i) => {
    w.heading(g.change(i + 1, formatDateTime(change.at, t, letter.timeZone)));
    const by = plainLine(change.recordedBy, 160) || t.unknown;
    w.paragraph(t.consentChange.intro(change.action, formatDate(change.at, t, letter.timeZone), by));
    rules(change);
  });
}

/**
 * Back-to-back accesses by the same person for the same reason (an emergency session's many
 * requests) read as one access, from its first request to its last, with the kinds of data seen
 * by any of them. Input oldest first.
 */
export function mergeAccesses(accesses: readonly BreakGlassAccess[]): BreakGlassAccess[] {
  const merged: BreakGlassAccess[] = [];
  for (const access of accesses) {
    const last = merged[merged.length - 1];
    if (
      last &&
      last.agency === access.agency &&
      last.practitioner === access.practitioner &&
      last.reason === access.reason
    ) {
      merged[merged.length - 1] = {
        ...last,
        until: access.until ?? access.at,
        requests: (last.requests ?? 1) + (access.requests ?? 1),
        seen: unionSeen(last.seen, access.seen),
      };
    } else merged.push(access);
  }
  return merged;
}

function unionSeen(a: readonly SeenData[], b: readonly SeenData[]): SeenData[] {
  const kinds = new Set([...a, ...b].map((s) => s.dataClass));
  return [...kinds].map((dataClass) => ({ dataClass }));
}
