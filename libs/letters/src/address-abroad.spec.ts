import { type AddressInput, validateAddress } from './address';

/** Real-looking addresses of each country, as a French hub (the default) and a UK hub would post them. */

function lines(input: AddressInput): readonly string[] | string {
  const check = validateAddress(input);
  return check.ok ? check.lines : check.reason;
}

const UK: AddressInput = {
  recipient: 'Mr James Wilson',
  lines: ['Flat 2', '221B Baker Street'],
  city: 'London',
  postalCode: 'NW1 6XE',
};

describe('validateAddress: addresses abroad, posted from France', () => {
  it('takes an address without a country to be in its agency’s country: a UK address is not held as French', () => {
    expect(lines({ ...UK, defaultCountry: 'GB' })).toEqual([
      'Mr James Wilson',
      'Flat 2',
      '221B Baker Street',
      'LONDON',
      'NW1 6XE',
      'ROYAUME UNI',
    ]);
    // Without the agency's country it is taken to be French, and its postal code is not French.
    expect(lines(UK)).toBe('bad-postcode');
    // A country written on the address wins over the agency's.
    expect(lines({ ...UK, country: 'United Kingdom', defaultCountry: 'FR' })).toContain('ROYAUME UNI');
    expect(validateAddress({ ...UK, defaultCountry: 'GB' })).toMatchObject({
      ok: true,
      address: { international: true },
    });
  });

  it('writes a UK postcode in capitals with its one space, and refuses one of the wrong form', () => {
    expect(lines({ ...UK, postalCode: 'nw16xe', country: 'GB' })).toContain('NW1 6XE');
    expect(lines({ ...UK, postalCode: 'NW1', country: 'GB' })).toBe('bad-postcode');
    expect(lines({ ...UK, postalCode: '75011', country: 'UK' })).toBe('bad-postcode');
  });

  it('orders German, Swiss, Belgian, Spanish and Italian addresses postcode then town, country last', () => {
    expect(
      lines({
        recipient: 'Frau Anna Schmidt',
        lines: ['Friedrichstraße 123'],
        postalCode: '10117',
        city: 'Berlin',
        country: 'DE',
      }),
    ).toEqual(['Frau Anna Schmidt', 'Friedrichstraße 123', '10117 BERLIN', 'ALLEMAGNE']);
    expect(
      lines({
        recipient: 'Herr Lukas Meier',
        lines: ['Bahnhofstrasse 1'],
        postalCode: '8001',
        city: 'Zürich',
        country: 'Schweiz',
      }),
    ).toEqual(['Herr Lukas Meier', 'Bahnhofstrasse 1', '8001 ZÜRICH', 'SUISSE']);
    expect(
      lines({
        recipient: 'Mme Claire Dubois',
        lines: ['Rue de la Loi 16'],
        postalCode: '1000',
        city: 'Bruxelles',
        country: 'Belgique',
      }),
    ).toEqual(['Mme Claire Dubois', 'Rue de la Loi 16', '1000 BRUXELLES', 'BELGIQUE']);
    expect(
      lines({
        recipient: 'Sr. Javier García',
        lines: ['Calle de Alcalá 45', '3º B'],
        postalCode: '28014',
        city: 'Madrid',
        country: 'ESP',
      }),
    ).toEqual(['Sr. Javier García', 'Calle de Alcalá 45', '3º B', '28014 MADRID', 'ESPAGNE']);
    expect(
      lines({
        recipient: 'Sig. Marco Rossi',
        lines: ['Via del Corso 12'],
        postalCode: '00186',
        city: 'Roma',
        country: 'Italia',
      }),
    ).toEqual(['Sig. Marco Rossi', 'Via del Corso 12', '00186 ROMA', 'ITALIE']);
  });

  it('orders a US address town, state and ZIP on one line', () => {
    expect(
      lines({
        recipient: 'Ms Sarah Johnson',
        lines: ['1600 Pennsylvania Avenue NW'],
        city: 'Washington',
        state: 'DC',
        postalCode: '20500',
        country: 'US',
      }),
    ).toEqual(['Ms Sarah Johnson', '1600 Pennsylvania Avenue NW', 'WASHINGTON, DC 20500', 'ETATS UNIS']);
    expect(
      lines({
        recipient: 'Mr John Doe',
        lines: ['301 Hamilton Avenue'],
        city: 'Palo Alto',
        state: 'California',
        postalCode: '94301-1234',
        country: 'USA',
      }),
    ).toEqual(['Mr John Doe', '301 Hamilton Avenue', 'PALO ALTO, CA 94301-1234', 'ETATS UNIS']);
  });

  it.each([
    ['DE', '1011'],
    ['US', '2050'],
    ['BE', '0100'],
    ['CH', '80011'],
    ['ES', '53001'],
    ['IT', '0018'],
    ['GB', 'SW1A'],
  ])('refuses a postal code of the wrong form for %s (%s)', (country, postalCode) => {
    expect(lines({ recipient: 'X Y', lines: ['1 Main Street'], city: 'Town', postalCode, country })).toBe(
      'bad-postcode',
    );
  });

  it('does not hold a country whose postal codes it does not know, and names it in French', () => {
    expect(
      lines({
        recipient: 'Mr Taro Yamada',
        lines: ['1-1 Chiyoda'],
        city: 'Chiyoda-ku, Tokyo',
        postalCode: '100-8111',
        country: 'JP',
      }),
    ).toEqual(['Mr Taro Yamada', '1-1 Chiyoda', 'CHIYODA-KU, TOKYO, 100-8111', 'JAPON']);
  });
});

describe('validateAddress: posted from the United Kingdom', () => {
  it('prints a UK address without a country line, and names other countries in English', () => {
    expect(lines({ ...UK, origin: 'GB' })).toEqual([
      'Mr James Wilson',
      'Flat 2',
      '221B Baker Street',
      'LONDON',
      'NW1 6XE',
    ]);
    expect(
      lines({
        recipient: 'Frau Anna Schmidt',
        lines: ['Friedrichstraße 123'],
        postalCode: '10117',
        city: 'Berlin',
        country: 'Deutschland',
        origin: 'GB',
      }),
    ).toEqual(['Frau Anna Schmidt', 'Friedrichstraße 123', '10117 BERLIN', 'GERMANY']);
    // A French address keeps NF Z10-011, with the country last.
    expect(
      lines({
        recipient: 'Mme Élodie Lefèvre',
        lines: ['8, rue Saint-Éloi'],
        postalCode: '59800',
        city: 'Lille',
        country: 'France',
        origin: 'GB',
      }),
    ).toEqual(['Mme Élodie Lefèvre', '8 RUE SAINT ELOI', '59800 LILLE', 'FRANCE']);
  });
});
