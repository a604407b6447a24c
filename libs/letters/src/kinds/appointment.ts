import { formatTime, formatWhen } from '../format';
import type { Writer } from '../layout/writer';
import type { AppointmentLetter } from '../letter-types';
import { plainLine, plainParagraph } from '../plain-text';
import type { LetterStrings } from '../strings';

/**
 * An appointment booked, moved or cancelled: when, where (and how to get there), with whom, what
 * to bring, and how to change it. A moved appointment says the old time no longer holds.
 */
export const appointmentLetter = {
  title: (letter: AppointmentLetter, t: LetterStrings): string =>
    t.appointment.title(letter.appointment.change),
  body(w: Writer, letter: AppointmentLetter, t: LetterStrings): void {
    const a = letter.appointment;
    const agency = plainLine(a.agency, 120) || t.unknown;
    w.paragraph(t.appointment.intro(a.change, agency));
    const when = formatWhen(a.start, t, letter.timeZone);
    const until = a.end ? ` ${t.appointment.until(formatTime(a.end, t, letter.timeZone))}` : '';
    w.labelled(t.appointment.when, `${when}${until}`, t.colon);
    if (a.change === 'moved' && a.previousStart)
      w.paragraph(t.appointment.previously(formatWhen(a.previousStart, t, letter.timeZone)));
    if (a.place) {
      const lines = [a.place.name, ...a.place.addressLines]
        .map((l) => plainLine(l, 120))
        .filter((l) => l !== '');
      if (lines.length > 0) w.labelled(t.appointment.where, lines.slice(0, 8).join(', '), t.colon);
    }
    const whom = a.with.map((x) => plainLine(x, 120)).filter((x) => x !== '');
    if (whom.length > 0) w.labelled(t.appointment.withWhom, t.listJoin(whom.slice(0, 6)), t.colon);
    const what = plainLine(a.what, 200);
    if (what) w.labelled(t.appointment.what, what, t.colon);
    if (a.change === 'cancelled') {
      w.paragraph(t.appointment.cancelledNote);
      return;
    }
    const directions = plainParagraph(a.place?.directions, 800);
    if (directions) {
      w.heading(t.appointment.directions);
      w.paragraph(directions);
    }
    const bring = plainParagraph(a.bring, 1500);
    if (bring) {
      w.heading(t.appointment.bring);
      w.paragraph(bring);
    }
    w.heading(t.appointment.change);
    w.paragraph(t.appointment.howToChange(agency, plainLine(a.phone, 40) || undefined));
    w.paragraph(t.appointment.late);
  },
};
