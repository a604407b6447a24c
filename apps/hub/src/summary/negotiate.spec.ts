import { summaryFormat, summaryLanguage } from './negotiate';

describe('Patient/$summary content negotiation', () => {
  it.each([
    [undefined, 'fhir'],
    ['', 'fhir'],
    ['application/fhir+json', 'fhir'],
    ['application/pdf', 'pdf'],
    ['application/pdf, application/fhir+json;q=0.5', 'pdf'],
    ['application/fhir+json, application/pdf;q=0.9', 'fhir'],
    ['application/*;q=0.2, application/pdf', 'pdf'],
    ['*/*', 'fhir'],
    ['application/pdf;q=0', 'fhir'],
    ['text/html', 'fhir'],
    ['APPLICATION/PDF', 'pdf'],
  ])('Accept %p → %s', (accept, expected) => {
    expect(summaryFormat(accept)).toBe(expected);
  });

  it.each([
    [undefined, 'fr'],
    ['en-GB,en;q=0.9', 'en'],
    ['de, en;q=0.5, fr;q=0.8', 'fr'],
    ['de', 'fr'],
    ['en;q=0, fr;q=0.1', 'fr'],
  ])('Accept-Language %p → %s', (header, expected) => {
    expect(summaryLanguage(header)).toBe(expected);
  });
});
