import { binaryFormat } from './binary-negotiate';

describe('binaryFormat', () => {
  it.each([
    ['application/pdf', 'application/pdf', 'raw'],
    ['application/pdf, application/fhir+json;q=0.5', 'application/pdf', 'raw'],
    ['text/*', 'text/plain', 'raw'],
    // application/* names FHIR JSON as much as the PDF: a tie goes to FHIR.
    ['application/*', 'application/pdf', 'fhir'],
    ['text/plain', 'text/plain; charset=utf-8', 'raw'],
    ['application/fhir+json', 'application/pdf', 'fhir'],
    ['application/fhir+json, application/pdf;q=0.5', 'application/pdf', 'fhir'],
    ['*/*', 'application/pdf', 'fhir'],
    [undefined, 'application/pdf', 'fhir'],
    ['image/png', 'application/pdf', 'fhir'],
    ['application/pdf', undefined, 'fhir'],
  ])('Accept %s for a Binary of %s: %s', (accept, contentType, expected) => {
    expect(binaryFormat(accept, contentType)).toBe(expected);
  });
});
