import { hashPassword, passwordProblem, verifyPassword } from './passwords';

describe('passwords', () => {
  it('verifies the password a hash was made from, and nothing else', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    // Salted: the same password never gives the same hash.
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
  });

  it('treats a malformed or oversized hash as no match', async () => {
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1048577$8$1$c2FsdA$aGFzaA')).toBe(false);
  });

  it('asks for length, not composition', () => {
    expect(passwordProblem('short')).toMatch(/12/);
    expect(passwordProblem('twelve chars')).toBeUndefined();
  });
});
