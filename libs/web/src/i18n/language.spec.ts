import { pickLanguage } from './language';

describe('pickLanguage', () => {
  it.each([
    [undefined, undefined, 'fr'],
    [undefined, 'en-GB,en;q=0.9', 'en'],
    [undefined, 'de-DE, fr;q=0.5, en;q=0.8', 'en'],
    [undefined, 'en;q=0, fr-CA', 'fr'],
    [undefined, 'de, it', 'fr'],
    ['en', 'fr-FR', 'en'],
    ['xx', 'en', 'en'],
  ])('chosen %p, Accept-Language %p → %p', (chosen, accept, expected) => {
    expect(pickLanguage(chosen, accept)).toBe(expected);
  });
});
