import { authChallenge, authorizationHeader, isAuthorized } from './auth';

describe('agency auth', () => {
  const basic = { type: 'basic', username: 'gp', password: 'pa ss:word' } as const;
  const bearer = { type: 'bearer', token: 'abc.def' } as const;

  it('lets everything through when the server is open', () => {
    expect(isAuthorized({ type: 'none' }, undefined)).toBe(true);
    expect(authChallenge({ type: 'none' }, 'gp')).toBeUndefined();
  });

  it('accepts exactly the configured Basic credentials, whatever the scheme’s case', () => {
    const header = authorizationHeader(basic) ?? '';
    expect(header).toBe(`Basic ${Buffer.from('gp:pa ss:word').toString('base64')}`);
    expect(isAuthorized(basic, header)).toBe(true);
    expect(isAuthorized(basic, header.replace('Basic', 'basic'))).toBe(true);
    expect(isAuthorized(basic, undefined)).toBe(false);
    expect(isAuthorized(basic, `Basic ${Buffer.from('gp:other').toString('base64')}`)).toBe(false);
    expect(isAuthorized(basic, header.replace('Basic', 'Bearer'))).toBe(false);
  });

  it('accepts exactly the configured bearer token', () => {
    expect(isAuthorized(bearer, 'Bearer abc.def')).toBe(true);
    expect(isAuthorized(bearer, 'Bearer abc.deg')).toBe(false);
    expect(isAuthorized(bearer, 'abc.def')).toBe(false);
    expect(authChallenge(bearer, 'specialist')).toBe('Bearer realm="specialist"');
  });
});
