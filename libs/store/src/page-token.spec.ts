import { OperationOutcomeError } from '@passerelle/fhir';
import { decodePageToken, encodePageToken } from './page-token';

describe('page tokens', () => {
  it('round-trip a position', () => {
    const position = { t: 1_700_000_000_123, r: 'Observation', i: 'o-1', v: 4 };
    expect(decodePageToken(encodePageToken(position))).toEqual(position);
  });

  it.each([
    '',
    'not-base64!',
    Buffer.from('{"t":"x"}').toString('base64url'),
    Buffer.from('[]').toString('base64url'),
  ])('refuse %p with 400', (token) => {
    expect(() => decodePageToken(token)).toThrow(OperationOutcomeError);
  });
});
