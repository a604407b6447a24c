import { MAX_PAGES } from './geometry';
import { summaryEntryCount } from './kinds/summary-letter';
import type { Letter, PatientSummaryLetter } from './letter-types';
import { letterStrings } from './render-letter';

/**
 * A summary too long for one envelope is posted in several, each within the envelope's limit
 * (MAX_PAGES: 10 pages, 5 sheets printed on both sides, what an inserter folds into a C5/DL
 * windowed envelope at the letter rate). Each envelope is a whole letter (address, date,
 * reference, greeting, sign-off, footer on every page), says "Envelope 1 of 2" on its first page,
 * and carries the next run of the summary's entries: a section cut between two envelopes is
 * headed "(continued)" in the second. Envelopes are filled in order, each with as many entries as
 * fit (found by measuring). Other kinds of letter are not split: one over the limit is held.
 */

/** More envelopes than this for one letter: held for an operator instead (a record that long is for a visit). */
export const MAX_ENVELOPES = 5;

/** While the count is not known, envelopes are measured as if there were many (the label's longest form). */
const UNKNOWN_COUNT = 99;

/**
 * The envelopes `letter` is posted in, measured with `pagesOf`; undefined when it cannot be split
 * within MAX_ENVELOPES (or is not a summary).
 */
export function splitLetter(letter: Letter, pagesOf: (letter: Letter) => number): Letter[] | undefined {
  if (letter.kind !== 'patient-summary') return undefined;
  const total = summaryEntryCount(letter, letterStrings(letter));
  const parts: { from: number; to: number }[] = [];
  const envelope = (from: number, to: number): PatientSummaryLetter => {
    const index = parts.length + 1;
    return { ...letter, envelope: { index, of: to === total ? index : UNKNOWN_COUNT, from, to } };
  };
  let from = 0;
  while (from < total) {
    if (parts.length === MAX_ENVELOPES) return undefined;
    // The most entries from `from` on that fit one envelope.
    let low = from + 1;
    let high = total;
    let best = from;
    while (low <= high) {
      const middle = Math.floor((low + high) / 2);
      if (pagesOf(envelope(from, middle)) <= MAX_PAGES) {
        best = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    if (best === from) return undefined; // one entry alone does not fit
    parts.push({ from, to: best });
    from = best;
  }
  return parts.map((p, i) => ({ ...letter, envelope: { index: i + 1, of: parts.length, ...p } }));
}
