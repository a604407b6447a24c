import type { ExecutionContext } from '@nestjs/common';
import { AdminAuthGuard } from './admin-auth.guard';

const CREDENTIAL = 'operator-credential-0123456789abcdef';

function withAuthorization(authorization: string | undefined): ExecutionContext {
  const request = { headers: authorization === undefined ? {} : { authorization } };
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

describe('AdminAuthGuard', () => {
  it.each(['', ' ', 'short-credential'])('cannot be built on the credential %j', (credential) => {
    expect(() => new AdminAuthGuard(credential)).toThrow(/The operator credential must be/);
  });

  it('lets the credential through and nothing else, an empty Bearer least of all', () => {
    const guard = new AdminAuthGuard(CREDENTIAL);
    expect(guard.canActivate(withAuthorization(`Bearer ${CREDENTIAL}`))).toBe(true);
    for (const header of [undefined, '', 'Bearer ', 'Bearer', `Bearer ${CREDENTIAL}x`, CREDENTIAL])
      expect(() => guard.canActivate(withAuthorization(header))).toThrow(/Operator credential required/);
  });
});
