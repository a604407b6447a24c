import { InterpolationError, interpolate, parseEnvFile, referencedVariables } from './interpolate';

describe('Compose interpolation', () => {
  const env = { SET: 'value', EMPTY: '' };

  it.each([
    ['plain text', 'plain text'],
    ['$SET and ${SET}', 'value and value'],
    ['${UNSET}|$UNSET|', '||'],
    ['${SET:-d} ${EMPTY:-d} ${UNSET:-d}', 'value d d'],
    ['${SET-d} ${EMPTY-d} ${UNSET-d}', 'value  d'],
    ['${SET:+r} ${EMPTY:+r} ${UNSET:+r}', 'r  '],
    ['${SET+r} ${EMPTY+r} ${UNSET+r}', 'r r '],
    ['${EMPTY?e}|${SET:?e}', '|value'],
    ['$$SET $${SET} 5$ $1', '$SET ${SET} 5$ $1'],
    ['${UNSET:-${SET:-x}}/${UNSET:-${ALSO:-x}}', 'value/x'],
    ["'${HUB_PUBLISHED_PORT:-8080}:8080'", "'8080:8080'"],
  ])('%s → %s', (template, expected) => {
    expect(interpolate(template, env)).toBe(expected);
  });

  it.each([
    ['${UNSET:?set it}', 'required variable UNSET is missing a value: set it'],
    ['${EMPTY:?set it}', 'required variable EMPTY is missing a value: set it'],
    ['${UNSET?no ${SET}}', 'required variable UNSET is missing a value: no value'],
  ])('%s fails: %s', (template, message) => {
    expect(() => interpolate(template, env)).toThrow(new InterpolationError('', message));
  });

  it.each(['${', '${SET', '${1X}', '${SET!x}'])('refuses the malformed %s', (template) => {
    expect(() => interpolate(template, env)).toThrow(InterpolationError);
  });

  it('lists the variables a text names and which are required', () => {
    expect([...referencedVariables('${A:?x} ${B:-y} ${A} ${C?z} ${D}')]).toEqual([
      ['A', { required: true }],
      ['B', { required: false }],
      ['C', { required: true }],
      ['D', { required: false }],
    ]);
  });

  it('reads .env files: comments, export, quotes', () => {
    expect(parseEnvFile('# c\nA=1\nexport B = two # note\nC=\'x # y\'\nD="l1\\nl2"\n\nE=\n')).toEqual({
      A: '1',
      B: 'two',
      C: 'x # y',
      D: 'l1\nl2',
      E: '',
    });
    expect(() => parseEnvFile('not a line')).toThrow('not a NAME=value line');
  });
});
