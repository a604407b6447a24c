import { randomInt } from 'node:crypto';

/**
 * The code printed on a paper consent form, which the mailroom types in when the form comes back.
 * 12 random symbols of Crockford's base 32 (no I, L, O or U: nothing to confuse with 1, 0 or V),
 * 60 bits: unguessable; then one check symbol (Luhn mod 32), so that any single mistyped symbol
 * and any swap of two neighbours (but 0 with Z) is caught before the database is asked. Printed in groups of
 * four: `K7QM-2XWP-9TRB-4`.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const N = ALPHABET.length;
const DATA_LENGTH = 12;

/** What readers confuse, read as what it must be (Crockford: O is 0, I and L are 1). */
const READ_AS: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1' };

/** Luhn mod N over the symbols' values: the check symbol that makes the whole sum 0 mod N. */
function checkSymbol(data: string): string {
  let sum = 0;
  let double = true;
  for (let i = data.length - 1; i >= 0; i--) {
    let value = ALPHABET.indexOf(data[i]);
    if (double) {
      value *= 2;
      value = Math.floor(value / N) + (value % N);
    }
    sum += value;
    double = !double;
  }
  return ALPHABET[(N - (sum % N)) % N];
}

function grouped(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

/** A fresh code, grouped for print. */
export function newFormCode(): string {
  let data = '';
  for (let i = 0; i < DATA_LENGTH; i++) data += ALPHABET[randomInt(N)];
  return grouped(data + checkSymbol(data));
}

export type FormCodeCheck = { ok: true; code: string } | { ok: false; problem: string };

/**
 * A code as typed (any case, spaces or dashes anywhere, O for 0...) → the code as stored, or why
 * it cannot be one. The answer never echoes what was typed.
 */
export function readFormCode(typed: unknown): FormCodeCheck {
  if (typeof typed !== 'string' || typed.length > 40)
    return { ok: false, problem: 'code must be the form’s code, e.g. K7QM-2XWP-9TRB-4' };
  const symbols = [...typed.toUpperCase().replace(/[\s-]/g, '')].map((c) => READ_AS[c] ?? c).join('');
  if (symbols.length !== DATA_LENGTH + 1)
    return { ok: false, problem: `code must have ${DATA_LENGTH + 1} letters and digits` };
  if ([...symbols].some((c) => !ALPHABET.includes(c)))
    return { ok: false, problem: 'code has a character that is never printed on a form (U, or punctuation)' };
  const data = symbols.slice(0, DATA_LENGTH);
  if (checkSymbol(data) !== symbols[DATA_LENGTH])
    return { ok: false, problem: 'code has a typo: its last character does not match the others' };
  return { ok: true, code: grouped(symbols) };
}
