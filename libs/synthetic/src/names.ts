import type { Address } from 'fhir/r4';
import type { Random } from './random';
import type { Country } from './types';

/**
 * Hand-written name and place lists. Accents, apostrophes, ligatures and hyphens are there on
 * purpose: matching, sorting, letters and search must all cope with them.
 */

export type Sex = 'female' | 'male';

interface NameLists {
  readonly female: readonly string[];
  readonly male: readonly string[];
  readonly family: readonly string[];
}

// prettier-ignore
const NAMES: Readonly<Record<Country, NameLists>> = {
  FR: {
    female: [
      'Éloïse', 'Chloé', 'Léa', 'Manon', 'Inès', 'Anaïs', 'Maëlle', 'Zoé', 'Hélène', 'Céline',
      'Gaëlle', 'Françoise', 'Béatrice', 'Noémie', 'Camille', 'Jeanne', 'Marie-Claire',
      'Anne-Sophie', 'Aïcha', 'Fatoumata', 'Héloïse', 'Léonie', 'Océane', 'Clémence', 'Agnès',
    ],
    male: [
      'Théo', 'Loïc', 'Benoît', 'Gaëtan', 'Jérôme', 'François', 'Noël', 'Joël', 'Hugo', 'Lucas',
      'Mathéo', 'Raphaël', 'Jean-Baptiste', 'Pierre-Yves', 'Karim', 'Mamadou', 'Yannick',
      'Stéphane', 'Frédéric', 'Sébastien', 'Clément', 'Aurélien', 'Émile', 'Gérard', 'Anthony',
    ],
    family: [
      'Martin', 'Bernard', 'Dubois', 'Lefèvre', 'Le Gall-Ménard', 'Moreau', 'Girard', 'Rousseau',
      'Fournier', "N'Diaye", 'Da Silva', 'Lemaître', "D'Almeida", 'Le Goff', 'Mercier', 'Garnier',
      'Faure', 'Chevalier', 'Hoarau', 'Nguyen', 'Haddad', 'Bénard', 'Kerhervé', 'Lebœuf', 'Müller',
      'Guérin', 'Dupré', 'Saint-Amand', 'Ben Amara', 'Delacroix', 'Perrin', 'Texier',
    ],
  },
  GB: {
    female: [
      'Amelia', 'Olivia', 'Isla', 'Siobhán', 'Niamh', 'Aoife', 'Gwen', 'Zoë', 'Renée', 'Mary-Jane',
      'Eilidh', 'Priya', 'Aisha', 'Charlotte', 'Harriet', 'Ffion', 'Catrin', 'Grace', 'Sophie',
      'Eleanor', 'Chloë', 'Ellie-Mae', 'Nkechi', 'Margaret', 'Joan',
    ],
    male: [
      'Oliver', 'Harry', 'Seán', 'Rhys', 'Dafydd', 'Callum', 'Mohammed', 'Arjun', 'George', 'Jack',
      'Thomas', 'Ciarán', 'Eóin', 'Hamish', 'Lewis', 'Noah', 'Kwame', 'Tomás', 'William', 'James',
      'Ruairí', 'Jean-Luc', 'Kieran', 'Stanley', 'Arthur',
    ],
    family: [
      "O'Brien", 'Smith', 'Jones', 'Williams', 'Taylor', 'Davies', 'Evans', 'Thomas', 'Roberts',
      'Patel', 'Khan', 'McAllister', 'MacDonald', 'Fitzgerald', 'Smith-Jones', "O'Connor",
      'Ó Súilleabháin', 'ap Rhys', 'Brontë', 'Begum', 'Okafor', 'Nowak', 'Campbell', 'Wright',
      'Hughes', 'Lloyd-Davies', 'Ahmed', 'Robertson', 'Kelly', "D'Souza", 'Nic Giolla Íosa',
    ],
  },
};

interface Place {
  readonly city: string;
  /** FR: the 5-digit code; GB: the outward code, the inward part is drawn. */
  readonly postal: string;
  /** FR: the département number, also the birthplace part of the NIR. */
  readonly district?: string;
}

// prettier-ignore
const PLACES: Readonly<Record<Country, readonly Place[]>> = {
  FR: [
    { city: 'Lyon', postal: '69003', district: '69' },
    { city: 'Paris', postal: '75011', district: '75' },
    { city: 'Marseille', postal: '13005', district: '13' },
    { city: 'Toulouse', postal: '31000', district: '31' },
    { city: 'Nantes', postal: '44000', district: '44' },
    { city: 'Rennes', postal: '35000', district: '35' },
    { city: 'Quimper', postal: '29000', district: '29' },
    { city: 'Saint-Étienne', postal: '42000', district: '42' },
    { city: 'Besançon', postal: '25000', district: '25' },
    { city: 'Nîmes', postal: '30000', district: '30' },
    { city: 'Aix-en-Provence', postal: '13100', district: '13' },
    { city: "Villeneuve-d'Ascq", postal: '59650', district: '59' },
    { city: 'Clermont-Ferrand', postal: '63000', district: '63' },
    { city: "L'Haÿ-les-Roses", postal: '94240', district: '94' },
    { city: 'Évry-Courcouronnes', postal: '91000', district: '91' },
    { city: 'Saint-Denis', postal: '97400', district: '97' },
  ],
  GB: [
    { city: 'Leeds', postal: 'LS6' },
    { city: 'Manchester', postal: 'M14' },
    { city: 'Bristol', postal: 'BS6' },
    { city: 'Cardiff', postal: 'CF24' },
    { city: 'Glasgow', postal: 'G12' },
    { city: 'Edinburgh', postal: 'EH10' },
    { city: 'Belfast', postal: 'BT9' },
    { city: 'Newcastle upon Tyne', postal: 'NE2' },
    { city: 'Norwich', postal: 'NR2' },
    { city: 'York', postal: 'YO10' },
    { city: 'Brighton', postal: 'BN2' },
    { city: 'Stoke-on-Trent', postal: 'ST4' },
    { city: "King's Lynn", postal: 'PE30' },
    { city: 'London', postal: 'SE15' },
  ],
};

// prettier-ignore
const STREETS: Readonly<Record<Country, readonly string[]>> = {
  FR: [
    'rue de la République', 'avenue Jean-Jaurès', "rue de l'Église", 'boulevard Victor-Hugo',
    'impasse des Œillets', 'place du Général-de-Gaulle', 'chemin des Vignes', 'rue Émile-Zola',
    'allée des Peupliers', "rue du Château-d'Eau", 'quai Saint-Étienne', 'rue des Pénitents-Blancs',
  ],
  GB: [
    'Mill Lane', 'Church Road', "St Mary's Close", 'Station Road', "Queen's Drive",
    'Victoria Street', 'Ffordd y Castell', 'Kirkgate', 'Burns Crescent', 'Orchard Way',
    'High Street', 'Old Bakery Row',
  ],
};

/** Birth départements for French patients born elsewhere than where they live. */
// prettier-ignore
const FRENCH_DEPARTEMENTS = ['01', '06', '13', '29', '31', '33', '35', '44', '59', '62', '67', '69', '75', '76', '92', '93'];

// No C, I, K, M, O or V in the inward part of a UK postcode.
const POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

export function givenName(rng: Random, country: Country, sex: Sex): string {
  return rng.pick(NAMES[country][sex]);
}

export function familyName(rng: Random, country: Country): string {
  return rng.pick(NAMES[country].family);
}

export interface HomeAddress {
  readonly address: Address;
  /** FR: the département of the address. */
  readonly district?: string;
}

export function homeAddress(rng: Random, country: Country): HomeAddress {
  const place = rng.pick(PLACES[country]);
  const street = rng.pick(STREETS[country]);
  const number = rng.int(1, 180);
  if (country === 'FR') {
    const line = [`${number}${rng.chance(0.08) ? ' bis' : ''} ${street}`];
    if (rng.chance(0.2)) line.push(`Bâtiment ${rng.pick(['A', 'B', 'C'])}, appartement ${rng.int(1, 48)}`);
    return {
      address: { use: 'home', type: 'both', line, city: place.city, postalCode: place.postal, country: 'FR' },
      district: place.district,
    };
  }
  const line = rng.chance(0.25) ? [`Flat ${rng.int(1, 12)}`, `${number} ${street}`] : [`${number} ${street}`];
  const inward = `${rng.int(0, 9)}${rng.pick([...POSTCODE_LETTERS])}${rng.pick([...POSTCODE_LETTERS])}`;
  return {
    address: {
      use: 'home',
      type: 'both',
      line,
      city: place.city,
      postalCode: `${place.postal} ${inward}`,
      country: 'GB',
    },
  };
}

export function birthDepartement(rng: Random, homeDistrict: string | undefined): string {
  return homeDistrict !== undefined && homeDistrict !== '97' && rng.chance(0.6)
    ? homeDistrict
    : rng.pick(FRENCH_DEPARTEMENTS);
}

/**
 * Numbers set aside for fiction, so that no real person is ever called: ARCEP's
 * 01 99 00 / 06 39 98 ranges in France, Ofcom's 07700 900 range in the UK.
 */
export function phoneNumber(rng: Random, country: Country, kind: 'mobile' | 'landline'): string {
  if (country === 'FR') {
    const prefix = kind === 'mobile' ? '6 39 98' : '1 99 00';
    return `+33 ${prefix} ${rng.digits(2)} ${rng.digits(2)}`;
  }
  return kind === 'mobile' ? `+44 7700 900${rng.digits(3)}` : `+44 20 7946 0${rng.digits(3)}`;
}

/** `Le Gall-Ménard` → `le-gall-menard`, for e-mail addresses. */
export function asciiSlug(text: string): string {
  return text
    .replace(/œ/g, 'oe')
    .replace(/Œ/g, 'Oe')
    .replace(/æ/g, 'ae')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
