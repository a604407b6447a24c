import { allows, formatScope, intersectScopes, parseScope, parseScopes } from './scopes';

describe('SMART system scopes', () => {
  it.each([
    ['system/Patient.rs', 'system/Patient.rs'],
    ['system/*.cruds', 'system/*.cruds'],
    ['system/Observation.read', 'system/Observation.rs'],
    ['system/*.write', 'system/*.cud'],
    ['system/*.*', 'system/*.cruds'],
  ])('parses %s', (text, formatted) => {
    expect(formatScope(parseScope(text)!)).toBe(formatted);
  });

  it.each([
    'patient/Patient.rs',
    'system/Patient.sr',
    'system/Patient.rr',
    'system/Spaceship.rs',
    'system/Patient',
    'openid',
    '',
  ])('refuses %p', (text) => {
    expect(parseScope(text)).toBeUndefined();
  });

  it('grants what was both requested and allowed', () => {
    const granted = intersectScopes(
      parseScopes('system/*.rs system/Consent.c'),
      parseScopes('system/Patient.cruds system/Observation.r'),
    );
    expect(granted.map(formatScope).sort()).toEqual(['system/Observation.r', 'system/Patient.rs']);
    expect(intersectScopes(parseScopes('system/Patient.cud'), parseScopes('system/*.rs'))).toEqual([]);
    expect(
      intersectScopes(parseScopes('system/*.rs'), parseScopes('system/*.cruds')).map(formatScope),
    ).toEqual(['system/*.rs']);
  });

  it('allows only what a scope names', () => {
    const scopes = parseScopes('system/Patient.rs system/*.s');
    expect(allows(scopes, 'Patient', 'r')).toBe(true);
    expect(allows(scopes, 'Observation', 's')).toBe(true);
    expect(allows(scopes, 'Observation', 'r')).toBe(false);
    expect(allows(scopes, 'Patient', 'u')).toBe(false);
    expect(allows([], 'Patient', 'r')).toBe(false);
  });
});
