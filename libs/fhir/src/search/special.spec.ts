import { OperationOutcomeError } from '../outcomes';
import { parseSearchQuery } from './query';
import { DEFAULT_NEAR_KM, parseNear } from './special';

const parse = (params: Record<string, string>) =>
  parseSearchQuery('Location', params, { strict: true, defaultCount: 20, maxCount: 100, localBases: [] });

const diagnostics = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof OperationOutcomeError) return e.outcome.issue[0].diagnostics ?? '';
    throw e;
  }
  return 'no error';
};

describe('Location near', () => {
  it('reads latitude|longitude|distance|units, kilometres by default', () => {
    expect(parseNear('45.76|4.83|5|km')).toEqual({ latitude: 45.76, longitude: 4.83, km: 5 });
    expect(parseNear('45.76|4.83|5')).toEqual({ latitude: 45.76, longitude: 4.83, km: 5 });
    expect(parseNear('45.76|4.83|500|m')).toEqual({ latitude: 45.76, longitude: 4.83, km: 0.5 });
    expect(parseNear('45.76|4.83|1|[mi_i]').km).toBeCloseTo(1.609344);
    expect(parseNear('-45.76|-4.83')).toEqual({ latitude: -45.76, longitude: -4.83, km: DEFAULT_NEAR_KM });
  });

  it('refuses what is not a point and a distance, naming near', () => {
    expect(diagnostics(() => parseNear('lyon'))).toMatch(/near: expected latitude\|longitude/);
    expect(diagnostics(() => parseNear('95|4.83|1|km'))).toMatch(/latitude is -90 to 90/);
    expect(diagnostics(() => parseNear('45|4.83|-1|km'))).toMatch(/not a positive number/);
    expect(diagnostics(() => parseNear('45|4.83|1|miles'))).toMatch(/UCUM codes/);
    expect(diagnostics(() => parse({ 'near:missing': 'true' }))).toMatch(/no modifier/);
  });

  it('is a criterion of Location searches and chains, and unknown elsewhere', () => {
    expect(parse({ near: '45.76|4.83|5|km,48.85|2.35|5|km' }).filters).toEqual([
      {
        kind: 'near',
        any: [
          { latitude: 45.76, longitude: 4.83, km: 5 },
          { latitude: 48.85, longitude: 2.35, km: 5 },
        ],
      },
    ]);
    const chained = parseSearchQuery(
      'Encounter',
      { 'location.near': '45.76|4.83|5' },
      { strict: true, defaultCount: 20, maxCount: 100, localBases: [] },
    );
    expect(chained.filters[0]).toMatchObject({ kind: 'chain', param: 'location', targetTypes: ['Location'] });
    expect(
      diagnostics(() =>
        parseSearchQuery(
          'Patient',
          { near: '1|1' },
          { strict: true, defaultCount: 20, maxCount: 100, localBases: [] },
        ),
      ),
    ).toMatch(/Unknown search parameter for Patient: near/);
  });
});
