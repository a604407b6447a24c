import type { LetterStrings } from './types';

/** Letters that gather several events or come in several envelopes, in English. */
export const GROUPED_EN: Pick<LetterStrings, 'grouped'> = {
  grouped: {
    breakGlassIntro: (count, day, who) =>
      `On ${day}, ${who} looked at your shared health record in an emergency, ${count} times. ` +
      `This was allowed because the situation was declared urgent, even though your sharing choices ` +
      `did not allow it. We tell you about every emergency access: here they all are, in order, in one letter.`,
    access: (index, when) => `Access ${index}: ${when}`,
    requests: (from, to, count) =>
      from === to ? `at ${from}, ${count} look-ups` : `from ${from} to ${to}, ${count} look-ups`,
    who: 'By',
    consentIntro: (count, day) =>
      `On ${day}, your sharing choices were recorded or changed ${count} times. ` +
      `Here is each change, in order: the last one is the one that applies now.`,
    change: (index, when) => `Change ${index}: ${when}`,
    envelope: (index, of) => `Envelope ${index} of ${of}`,
    envelopeNote: (of, reference) =>
      `This document is too long for one envelope: it comes in ${of} envelopes, all with reference ` +
      `${reference}. If one of them is missing, contact us.`,
    continued: (heading) => `${heading} (continued)`,
  },
};
