import type { Bundle } from '@medplum/fhirtypes';
import { addSearchLinks, boundedSearchQuery } from './paging';

const BASE = 'http://127.0.0.1:8091/fhir';
const pages = { default: 50, max: 1000 };

function bundle(total: number, instants: string[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    entry: instants.map((lastUpdated, i) => ({
      resource: {
        resourceType: 'Observation',
        id: `o${i}`,
        status: 'final',
        code: {},
        meta: { lastUpdated },
      },
    })),
  };
}

function link(b: Bundle, relation: string): string | undefined {
  return b.link?.find((l) => l.relation === relation)?.url;
}

describe('search paging', () => {
  it('adds a default page size, caps a larger one, leaves _summary=count alone', () => {
    expect(boundedSearchQuery(new URLSearchParams('code=x'), pages).get('_count')).toBe('50');
    expect(boundedSearchQuery(new URLSearchParams('_count=5000'), pages).get('_count')).toBe('1000');
    expect(boundedSearchQuery(new URLSearchParams('_count=0'), pages).get('_count')).toBe('0');
    expect(boundedSearchQuery(new URLSearchParams('_summary=count'), pages).has('_count')).toBe(false);
  });

  it('pages by keyset after the last instant when sorted by _lastUpdated, keeping other bounds', () => {
    const query = new URLSearchParams(
      '_lastUpdated=gt2026-01-01T00:00:00.000Z&_lastUpdated=lt2027-01-01&_sort=_lastUpdated&_count=2',
    );
    const linked = addSearchLinks(
      bundle(5, ['2026-03-01T00:00:00.001Z', '2026-03-01T00:00:00.002Z']),
      BASE,
      'Observation',
      query,
    );
    const next = new URL(link(linked, 'next') ?? '');
    expect(`${next.origin}${next.pathname}`).toBe(`${BASE}/Observation`);
    expect(next.searchParams.getAll('_lastUpdated')).toEqual(['lt2027-01-01', 'gt2026-03-01T00:00:00.002Z']);
    expect(next.searchParams.has('_offset')).toBe(false);
    expect(link(linked, 'self')).toBe(`${BASE}/Observation?${query.toString()}`);
    expect(linked.entry?.[0]?.fullUrl).toBe(`${BASE}/Observation/o0`);
  });

  it('pages by _offset otherwise, and stops on the last page', () => {
    const query = new URLSearchParams('_count=2&_offset=2');
    const middle = addSearchLinks(bundle(5, ['a', 'b']), BASE, 'Observation', query);
    expect(new URL(link(middle, 'next') ?? '').searchParams.get('_offset')).toBe('4');
    const last = addSearchLinks(
      bundle(5, ['c']),
      BASE,
      'Observation',
      new URLSearchParams('_count=2&_offset=4'),
    );
    expect(link(last, 'next')).toBeUndefined();
  });
});
