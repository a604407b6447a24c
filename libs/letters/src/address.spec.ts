import { addressInputFrom, type AddressInput, validateAddress } from './address';

const FR: AddressInput = {
  recipient: 'Mme Élodie Lefèvre',
  lines: ['Appartement 12', '8, rue Saint-Éloi'],
  postalCode: '59800',
  city: 'Lille',
};

function reason(input: AddressInput | undefined): string {
  const check = validateAddress(input);
  return check.ok ? 'ok' : check.reason;
}

describe('validateAddress: French addresses (NF Z10-011)', () => {
  it('keeps line 1 as written and sets lines 2 to 6 in capitals without accents or punctuation', () => {
    const check = validateAddress(FR);
    expect(check.ok && check.lines).toEqual([
      'Mme Élodie Lefèvre',
      'APPARTEMENT 12',
      '8 RUE SAINT ELOI',
      '59800 LILLE',
    ]);
    expect(check.ok && check.address.international).toBe(false);
  });

  it('takes the postal-code line from the last line when there is no separate postal code', () => {
    const check = validateAddress({
      recipient: 'M. Jean Petit',
      lines: ['3 place du Marché', '75011 Paris'],
    });
    expect(check.ok && check.lines).toEqual(['M. Jean Petit', '3 PLACE DU MARCHE', '75011 PARIS']);
  });

  it('accepts France written out, overseas departments and Corsica', () => {
    expect(reason({ ...FR, country: 'France' })).toBe('ok');
    expect(reason({ ...FR, country: 'fr' })).toBe('ok');
    expect(reason({ ...FR, postalCode: '97400', city: 'Saint-Denis' })).toBe('ok');
    expect(reason({ ...FR, postalCode: '20000', city: 'Ajaccio' })).toBe('ok');
  });

  it.each([
    ['no postal code', { ...FR, postalCode: undefined }],
    ['4 digits', { ...FR, postalCode: '5980' }],
    ['letters', { ...FR, postalCode: '59A00' }],
    ['no department 00', { ...FR, postalCode: '00100' }],
    ['no department 99', { ...FR, postalCode: '99100' }],
  ])('refuses a bad postal code (%s)', (_label, input) => {
    expect(reason(input)).toBe('bad-postcode');
  });

  it('refuses a missing commune and a missing recipient', () => {
    expect(reason({ ...FR, city: ' ' })).toBe('no-city');
    expect(reason({ ...FR, recipient: '  ' })).toBe('no-recipient');
  });

  it('refuses more than 6 lines and lines over 38 characters, naming the line', () => {
    expect(
      reason({ ...FR, lines: ['Bât. A', 'Esc. 2', 'Appt 12', '8 rue Saint-Éloi', 'Lieu-dit Bas'] }),
    ).toBe('too-many-lines');
    const long = validateAddress({ ...FR, lines: ['Résidence des Grands Chênes, entrée B, bâtiment 4'] });
    expect(long).toMatchObject({ ok: false, reason: 'line-too-long' });
    expect(!long.ok && long.message).toContain('Line 2');
    // 38 characters exactly is allowed; accents count as one character each.
    expect(reason({ ...FR, recipient: `Mme ${'É'.repeat(34)}` })).toBe('ok');
    expect(reason({ ...FR, recipient: `Mme ${'É'.repeat(35)}` })).toBe('line-too-long');
  });

  it('says no-address when there is none', () => {
    expect(reason(undefined)).toBe('no-address');
  });
});

describe('validateAddress: international addresses', () => {
  it('ends with the country in capitals, in French, from an ISO code or a name', () => {
    const check = validateAddress({
      recipient: 'Herr Jürgen Weiß',
      lines: ['Hauptstraße 5'],
      postalCode: '10115',
      city: 'Berlin',
      country: 'DE',
    });
    expect(check.ok && check.lines).toEqual([
      'Herr Jürgen Weiß',
      'Hauptstraße 5',
      '10115 BERLIN',
      'ALLEMAGNE',
    ]);
    expect(check.ok && check.address.international).toBe(true);
    const named = validateAddress({
      recipient: 'Ms Ann Lee',
      lines: ['1 High St'],
      city: 'Leeds',
      country: 'United Kingdom',
    });
    expect(named.ok && named.lines.at(-1)).toBe('ROYAUME UNI');
  });

  it('refuses an unknown country code', () => {
    expect(reason({ recipient: 'X', lines: ['1 Main St'], city: 'Town', country: 'QQ' })).toBe(
      'unknown-country',
    );
  });
});

describe('validateAddress: refusals that protect the mailroom', () => {
  it.each(['=HYPERLINK("http://x")', '+33 1 23', '-2+3', '@SUM(A1)', '\tTab', '\rCR', '  =cmd|calc'])(
    'refuses a line starting with a formula character: %j',
    (line) => {
      expect(reason({ ...FR, lines: [line] })).toBe('formula-injection');
      expect(reason({ ...FR, recipient: line })).toBe('formula-injection');
    },
  );

  it.each([
    'SDF',
    'S.D.F.',
    'sans domicile fixe',
    'Sans domicile',
    'No fixed abode',
    'NFA',
    'Address unknown',
    'Homeless',
  ])('refuses "no fixed abode": %j', (line) => {
    expect(reason({ ...FR, lines: [line] })).toBe('no-fixed-abode');
  });

  it('does not take initials in a name for "no fixed abode"', () => {
    expect(reason({ ...FR, recipient: 'M. S.D.F. Martin' })).toBe('ok');
  });

  it('refuses control and text-direction characters, without echoing the value', () => {
    const check = validateAddress({ ...FR, lines: ['8 rue \u202Eeuqilbup'] });
    expect(check).toMatchObject({ ok: false, reason: 'hidden-characters' });
    expect(!check.ok && check.message).not.toContain('euqilbup');
    expect(reason({ ...FR, lines: ['8 rue\u0007 du Port'] })).toBe('hidden-characters');
  });
});

describe('addressInputFrom', () => {
  it('picks a current postal home address and builds line 1 from the name', () => {
    const input = addressInputFrom(
      { prefix: ['Mme'], given: ['Élodie'], family: 'Lefèvre' },
      [
        { use: 'old', line: ['1 ancienne rue'], postalCode: '59000', city: 'Lille' },
        { use: 'work', line: ['2 rue du Travail'], postalCode: '59000', city: 'Lille' },
        {
          use: 'home',
          line: ['3 rue du Fini'],
          postalCode: '59000',
          city: 'Lille',
          period: { end: '2020-01-01' },
        },
        { use: 'home', type: 'postal', line: ['8 rue Saint-Éloi'], postalCode: '59800', city: 'Lille' },
      ],
      new Date('2025-01-01'),
    );
    expect(input).toEqual({
      recipient: 'Mme Élodie Lefèvre',
      lines: ['8 rue Saint-Éloi'],
      postalCode: '59800',
      city: 'Lille',
      country: undefined,
    });
  });

  it('gives undefined (no-address) when nothing current is on file', () => {
    expect(addressInputFrom({ family: 'X' }, [{ use: 'old', city: 'Lille' }])).toBeUndefined();
    expect(validateAddress(addressInputFrom({ family: 'X' }, undefined))).toMatchObject({
      reason: 'no-address',
    });
  });
});
