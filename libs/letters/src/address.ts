import type { Address, HumanName } from 'fhir/r4';
import {
  countryCode,
  countryLine,
  foreignLines,
  normalisePostcode,
  POSTCODE_PATTERNS,
  postcodeValid,
} from './address-abroad';
import { hasHiddenCharacters } from './plain-text';

/**
 * Postal addresses, checked before a letter is made: French addresses in La Poste's format
 * (NF Z10-011: at most 6 lines of at most 38 characters, the last one "postal code + COMMUNE"),
 * other countries in their own post's line order (address-abroad.ts) with their postal code
 * checked where its pattern is known, and, abroad, the country in capitals as the last line. An
 * address without a country is taken to be in `defaultCountry` (the country of the agency that
 * recorded it), else in the sending country. An address that fails is not "fixed up": the letter
 * is held and an operator sees the reason code and message.
 */

export const MAX_ADDRESS_LINES = 6;
export const MAX_LINE_LENGTH = 38;

export type AddressProblem =
  | 'no-address'
  | 'no-recipient'
  | 'too-many-lines'
  | 'line-too-long'
  | 'bad-postcode'
  | 'no-city'
  | 'unknown-country'
  | 'formula-injection'
  | 'hidden-characters'
  | 'no-fixed-abode';

export interface AddressInput {
  /** Line 1: who the letter is for, as they are called ("Mme Marie Dupont"). */
  recipient: string;
  /** Lines 2 to 5: flat, building, number and street, locality or PO box. */
  lines: readonly string[];
  postalCode?: string;
  city?: string;
  /** State, province or county (a US address's state). */
  state?: string;
  /** ISO 3166-1 code (alpha-2 or alpha-3) or a country name, in French or English. */
  country?: string;
  /** ISO alpha-2 code of the country an address without `country` is in (its agency's); else `origin`. */
  defaultCountry?: string;
  /** ISO alpha-2 code of the country the letter is posted from: its addresses need no country line. FR by default. */
  origin?: string;
}

declare const validated: unique symbol;

/** An address that passed `validateAddress`: only that function makes one, so a letter cannot skip it. */
export interface ValidAddress {
  readonly lines: readonly string[];
  readonly international: boolean;
  readonly [validated]: true;
}

export type AddressCheck =
  | { ok: true; address: ValidAddress; lines: readonly string[] }
  | { ok: false; reason: AddressProblem; message: string };

const FORMULA_START = /^[=+\-@\t\r]/;
const NO_FIXED_ABODE =
  /\b(?:SDF|SANS\s+DOMICILE(?:\s+FIXE)?|SANS\s+ADRESSE|ADRESSE\s+INCONNUE|NO\s+FIXED\s+(?:ABODE|ADDRESS)|NO\s+ADDRESS|ADDRESS\s+UNKNOWN|UNKNOWN\s+ADDRESS|HOMELESS)\b|^N\s*F\s*A$/;
const FRENCH_POSTCODE = POSTCODE_PATTERNS.FR;
const POSTCODE_LINE = /^(\d{5})\s+(.+)$/;

function fail(reason: AddressProblem, message: string): AddressCheck {
  return { ok: false, reason, message };
}

function collapse(line: string): string {
  return line.replace(/\s+/g, ' ').trim();
}

/** Capitals without accents, the form the norm asks for on the last line. */
function postal(text: string): string {
  return collapse(
    text
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .replace(/[’'`,.;:-]/g, ' ')
      .toUpperCase(),
  );
}

/** A country written as something other than a known code or name: printed as written, in capitals. */
function freeCountryLine(country: string): string | undefined {
  if (/^[A-Za-z]{2,3}$/.test(country)) return undefined;
  return /\p{L}/u.test(country) ? postal(country) : undefined;
}

/** Checks and normalises an address; `undefined` (no address on file) is `no-address`. */
export function validateAddress(input: AddressInput | undefined): AddressCheck {
  if (!input) return fail('no-address', 'No postal address is recorded for this patient.');
  // Messages name the field, never echo its value: they are shown to operators and may be exported.
  const fields: [string, string][] = [
    ['the recipient line', input.recipient],
    ...input.lines.map((l, i): [string, string] => [`address line ${i + 1}`, l]),
    ['the postal code', input.postalCode ?? ''],
    ['the city', input.city ?? ''],
    ['the country', input.country ?? ''],
  ];
  for (const [field, value] of fields) {
    if (FORMULA_START.test(value) || FORMULA_START.test(value.trimStart())) {
      return fail(
        'formula-injection',
        `${capitalise(field)} starts with a formula character (= + - @ tab CR).`,
      );
    }
    if (hasHiddenCharacters(value)) {
      return fail('hidden-characters', `${capitalise(field)} holds control or text-direction characters.`);
    }
    if (field !== 'the recipient line' && NO_FIXED_ABODE.test(postal(value.replace(/\./g, '')))) {
      return fail(
        'no-fixed-abode',
        'The address says the patient has no fixed abode: there is nowhere to post to.',
      );
    }
  }
  const recipient = collapse(input.recipient);
  if (!recipient) return fail('no-recipient', 'The address has no recipient name (line 1).');
  const street = input.lines.map(collapse).filter((l) => l.length > 0);
  const origin = (input.origin ?? 'FR').toUpperCase();
  const written = collapse(input.country ?? '');
  const code = written
    ? countryCode(written)
    : (countryCode(input.defaultCountry ?? '') ?? countryCode(origin) ?? 'FR');
  const domestic = code === origin;

  let lines: string[];
  if (code === 'FR') {
    let postcode = collapse(input.postalCode ?? '');
    let city = collapse(input.city ?? '');
    if (!postcode && !city && street.length > 0) {
      // The postal-code line may already be the last street line ("75011 Paris").
      const last = POSTCODE_LINE.exec(street[street.length - 1]);
      if (last) {
        street.pop();
        [, postcode, city] = last;
      }
    }
    if (!postcode) return fail('bad-postcode', 'The address has no postal code.');
    if (!FRENCH_POSTCODE.test(postcode)) {
      return fail(
        'bad-postcode',
        'The postal code is not 5 digits starting with a French department number.',
      );
    }
    if (!city) return fail('no-city', 'The address has no commune after the postal code.');
    // Lines 2 to 6 in capitals without accents or punctuation, as La Poste's sorting machines read best.
    lines = [recipient, ...street.map(postal), `${postcode} ${postal(city)}`];
    if (!domestic) lines.push(countryLine('FR', origin) ?? 'FRANCE');
  } else if (code) {
    const postcode = normalisePostcode(input.postalCode ?? '', code);
    if (postcode && !postcodeValid(postcode, code))
      return fail('bad-postcode', `The postal code does not have the form the post of ${code} uses.`);
    const city = collapse(input.city ?? '');
    if (!city && !postcode && street.length === 0)
      return fail('no-city', 'The address has no street, town or city.');
    lines = [
      recipient,
      ...foreignLines(street, { postalCode: postcode, city, state: collapse(input.state ?? '') }, code),
    ];
    if (!domestic) {
      const name = countryLine(code, origin);
      if (!name) return fail('unknown-country', 'The country is neither a known ISO code nor a name.');
      lines.push(name);
    }
  } else {
    const name = freeCountryLine(written);
    if (!name) return fail('unknown-country', 'The country is neither a known ISO code nor a name.');
    const cityLine = collapse(`${input.postalCode ?? ''} ${input.city ?? ''}`).toUpperCase();
    if (!cityLine && street.length === 0) return fail('no-city', 'The address has no street, town or city.');
    lines = [recipient, ...street, ...(cityLine ? [cityLine] : []), name];
  }

  if (lines.length > MAX_ADDRESS_LINES) {
    return fail(
      'too-many-lines',
      `The address has ${lines.length} lines; at most ${MAX_ADDRESS_LINES} fit the envelope window.`,
    );
  }
  const long = lines.findIndex((l) => [...l].length > MAX_LINE_LENGTH);
  if (long >= 0) {
    return fail(
      'line-too-long',
      `Line ${long + 1} has ${[...lines[long]].length} characters; at most ${MAX_LINE_LENGTH} are allowed.`,
    );
  }
  // The one place a ValidAddress is made.
  const address = { lines, international: code !== origin } as unknown as ValidAddress;
  return { ok: true, address, lines };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Line 1 of an address from a FHIR name: prefix, given names, family name. */
export function recipientName(name: HumanName | undefined): string {
  if (!name) return '';
  if (name.text && !name.family && !name.given) return name.text;
  return [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? ''].filter(Boolean).join(' ');
}

/**
 * The postal address to write to, from a Patient's `address` list: a current one (not `old`, no
 * end in the past), a postal one before a visiting-only (`physical`) one, home before work.
 */
export function addressInputFrom(
  name: HumanName | undefined,
  addresses: readonly Address[] | undefined,
  now = new Date(),
): AddressInput | undefined {
  const current = (addresses ?? []).filter(
    (a) => a.use !== 'old' && !(a.period?.end && new Date(a.period.end) < now),
  );
  // A visiting-only address may not take mail: last resort. Home (or unspecified) before work.
  const rank = (a: Address) =>
    (a.type === 'physical' ? 2 : 0) + (a.use === 'work' || a.use === 'billing' ? 1 : 0);
  const best = [...current].sort((a, b) => rank(a) - rank(b))[0];
  if (!best) return undefined;
  return {
    recipient: recipientName(name),
    lines: best.line ?? [],
    postalCode: best.postalCode,
    city: best.city,
    ...(best.state ? { state: best.state } : {}),
    country: best.country,
  };
}
