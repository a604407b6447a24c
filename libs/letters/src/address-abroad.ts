import { format } from '@fragaria/address-formatter';

/**
 * Addresses outside France: the country resolved to its ISO 3166-1 alpha-2 code, the postal
 * code checked where its pattern is known, and the lines ordered as that country's post reads
 * them. The line order comes from `@fragaria/address-formatter` (OpenCage's templates, one per
 * country); the street lines are the record's own, kept as written; the lines after them
 * (locality, postal code, state) are set in capitals, and the country name closes the address
 * in capitals, in the sending country's language, as the UPU asks of international mail.
 * French addresses keep this project's own NF Z10-011 rules (address.ts).
 */

/** Postal code patterns, after normalising (capitals, single spaces). Unknown countries are not checked. */
export const POSTCODE_PATTERNS: Readonly<Record<string, RegExp>> = {
  // Metropolitan departments 01-95 (Corsica is 20xxx), overseas 97x and 98x.
  FR: /^(?:0[1-9]|[1-8]\d|9[0-5]|97|98)\d{3}$/,
  // Royal Mail: outward code (area, district) + inward code (sector, unit); GIR 0AA.
  GB: /^(?:[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}|GIR 0AA)$/,
  DE: /^\d{5}$/,
  // ZIP or ZIP+4.
  US: /^\d{5}(?:-\d{4})?$/,
  BE: /^[1-9]\d{3}$/,
  CH: /^[1-9]\d{3}$/,
  // Provinces 01-52.
  ES: /^(?:0[1-9]|[1-4]\d|5[0-2])\d{3}$/,
  IT: /^\d{5}$/,
  LU: /^(?:L-)?\d{4}$/,
  NL: /^[1-9]\d{3} ?[A-Z]{2}$/,
  PT: /^\d{4}-\d{3}$/,
  MC: /^980\d{2}$/,
};

/** Spaces collapsed, capitals; a UK postcode gets its one space before the inward code. */
export function normalisePostcode(code: string, country: string): string {
  const text = code.replace(/\s+/g, ' ').trim().toUpperCase();
  if (country === 'GB') {
    const compact = text.replace(/ /g, '');
    return compact.length > 3 ? `${compact.slice(0, -3)} ${compact.slice(-3)}` : compact;
  }
  return text;
}

export function postcodeValid(code: string, country: string): boolean {
  const pattern = POSTCODE_PATTERNS[country];
  return pattern ? pattern.test(code) : true;
}

/** Capitals without accents or punctuation, for matching country names. */
function key(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .toUpperCase();
}

/** Names and codes people write that Intl does not list under the country's name. */
const ALIASES: Readonly<Record<string, string>> = {
  UK: 'GB',
  'GREAT BRITAIN': 'GB',
  'GRANDE BRETAGNE': 'GB',
  ENGLAND: 'GB',
  ANGLETERRE: 'GB',
  SCOTLAND: 'GB',
  ECOSSE: 'GB',
  WALES: 'GB',
  'PAYS DE GALLES': 'GB',
  'NORTHERN IRELAND': 'GB',
  USA: 'US',
  'UNITED STATES OF AMERICA': 'US',
  DEUTSCHLAND: 'DE',
  BELGIE: 'BE',
  SCHWEIZ: 'CH',
  SVIZZERA: 'CH',
  ESPANA: 'ES',
  ITALIA: 'IT',
  NEDERLAND: 'NL',
  // ISO 3166-1 alpha-3 codes of the neighbours and the commonest others.
  FRA: 'FR',
  GBR: 'GB',
  DEU: 'DE',
  BEL: 'BE',
  CHE: 'CH',
  ESP: 'ES',
  ITA: 'IT',
  LUX: 'LU',
  NLD: 'NL',
  PRT: 'PT',
  MCO: 'MC',
  IRL: 'IE',
  CAN: 'CA',
};

let names: Map<string, string> | undefined;

/** Every region's name in French and English (and the alpha-2 codes themselves), to its code. */
function countryNames(): Map<string, string> {
  if (names) return names;
  names = new Map(Object.entries(ALIASES));
  const displays = ['fr', 'en'].map((l) => new Intl.DisplayNames([l], { type: 'region', fallback: 'none' }));
  for (let a = 65; a <= 90; a++)
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      for (const display of displays) {
        const name = safeName(display, code);
        if (!name) continue;
        if (!names.has(code)) names.set(code, code);
        if (!names.has(key(name))) names.set(key(name), code);
      }
    }
  return names;
}

function safeName(display: Intl.DisplayNames, code: string): string | undefined {
  try {
    const name = display.of(code);
    return name && name !== code ? name : undefined;
  } catch {
    return undefined;
  }
}

/** The ISO code of a country written as a code or a name; undefined when it is neither. */
export function countryCode(country: string): string | undefined {
  const k = key(country);
  return k ? countryNames().get(k) : undefined;
}

/** Countries whose post writes in French: a letter posted there names other countries in French. */
const FRENCH_SPEAKING = new Set(['FR', 'BE', 'CH', 'LU', 'MC']);

/** The country's name for the last line, in the sending country's language, in capitals. */
export function countryLine(code: string, origin: string): string | undefined {
  const language = FRENCH_SPEAKING.has(origin) ? 'fr' : 'en';
  const name = safeName(new Intl.DisplayNames([language], { type: 'region', fallback: 'none' }), code);
  return name ? key(name) : undefined;
}

const STREET = '\u0000street\u0000';

/**
 * The lines after the recipient, in the country's order: the street lines where the template puts
 * the road, the rest (locality, postal code, state) in capitals.
 */
export function foreignLines(
  street: readonly string[],
  fields: { postalCode?: string; city?: string; state?: string },
  code: string | undefined,
): string[] {
  const lines = format(
    {
      road: STREET,
      ...(fields.city ? { city: fields.city } : {}),
      ...(fields.postalCode ? { postcode: fields.postalCode } : {}),
      ...(fields.state ? { state: fields.state } : {}),
      ...(code ? { countryCode: code } : {}),
    },
    { output: 'array', appendCountry: false },
  );
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    if (line.includes(STREET)) {
      out.push(...street);
      placed = true;
    } else out.push(line.toUpperCase());
  }
  // A template without a road (none known to do so): the street lines still lead.
  return placed ? out : [...street, ...out];
}
