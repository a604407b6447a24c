import type { Bundle, Resource } from 'fhir/r4';
import { applyOrder, CHANGES_CURSOR_URL, changesCursor, cursorParameters } from './applier';
import { waves } from './apply-page';

const item = (resourceType: string, value: string, version: string): Resource =>
  ({ resourceType, identifier: [{ system: 's', value }], meta: { versionId: version } }) as Resource;

describe('applyOrder', () => {
  it('writes each resource once, its latest version at its first place, targets first', () => {
    const feed = [
      item('Observation', 'o1', '1'),
      item('Encounter', 'e1', '1'),
      item('DiagnosticReport', 'r1', '1'),
      item('Encounter', 'e1', '2'),
      item('Observation', 'o2', '1'),
    ];
    expect(applyOrder(feed).map((r) => `${r.resourceType}/${r.meta?.versionId}`)).toEqual([
      'Encounter/2',
      'Observation/1',
      'Observation/1',
      'DiagnosticReport/1',
    ]);
    expect(applyOrder(feed)[1]).toBe(feed[0]);
  });

  it('keeps items without identifier apart (they are skipped later, not merged)', () => {
    const bare = { resourceType: 'Encounter' } as Resource;
    expect(applyOrder([bare, bare])).toHaveLength(2);
  });
});

describe('waves', () => {
  const at = (slot: string, ...targets: string[]) => ({ slot, targets });
  const slots = (items: { slot: string }[][]) => items.map((w) => w.map((i) => i.slot));

  it('writes a target in a wave before the items that point at it', () => {
    const page = [
      at('E1', 'P'),
      at('E2', 'P'),
      at('O1', 'E1', 'P'),
      at('O2', 'E2'),
      at('R', 'O1', 'O2', 'E1'),
    ];
    expect(slots(waves(page))).toEqual([['E1', 'E2'], ['O1', 'O2'], ['R']]);
  });

  it('ignores targets outside the page and references to the item itself', () => {
    expect(slots(waves([at('A', 'X', 'A'), at('B', 'Y')]))).toEqual([['A', 'B']]);
  });

  it('breaks a cycle at the first item in apply order', () => {
    const page = [at('A', 'B'), at('B', 'A'), at('C', 'B')];
    expect(slots(waves(page))).toEqual([['A'], ['B'], ['C']]);
  });
});

describe('changes cursor', () => {
  const ext = [{ url: CHANGES_CURSOR_URL, valueString: '42' }];

  it('reads the cursor from Bundle.meta (the hub) or from the Bundle itself (the contract text)', () => {
    expect(changesCursor({ resourceType: 'Bundle', type: 'history', meta: { extension: ext } })).toBe('42');
    expect(changesCursor({ resourceType: 'Bundle', type: 'history', extension: ext } as Bundle)).toBe('42');
    expect(changesCursor({ resourceType: 'Bundle', type: 'history' })).toBeUndefined();
  });

  it('acknowledges with a Parameters resource', () => {
    expect(cursorParameters('42')).toEqual({
      resourceType: 'Parameters',
      parameter: [{ name: 'cursor', valueString: '42' }],
    });
  });
});
