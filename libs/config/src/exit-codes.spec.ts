import { EXIT, isDatabaseUnreachable, startupExitCode } from './exit-codes';

describe('exit codes', () => {
  it('are distinct', () => {
    expect(new Set(Object.values(EXIT)).size).toBe(Object.keys(EXIT).length);
  });

  it.each([
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), true],
    [Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND' }), true],
    [Object.assign(new Error('database "x" does not exist'), { code: '3D000' }), true],
    [Object.assign(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]), {}), true],
    [new Error('wrapped', { cause: Object.assign(new Error('inner'), { code: 'ETIMEDOUT' }) }), true],
    [
      new Error(
        'The data directory /d is in use by process 12. Stop it, or set DATA_DIR to another directory.',
      ),
      true,
    ],
    [Object.assign(new Error('duplicate key'), { code: '23505' }), false],
    [new Error('Invalid configuration'), false],
    ['ECONNREFUSED', false],
    [null, false],
  ])('%s unreachable: %s', (error, expected) => {
    expect(isDatabaseUnreachable(error)).toBe(expected);
  });

  it('map a start-up error to its code', () => {
    const newer = Object.assign(new Error('newer'), { name: 'SchemaNewerThanCodeError' });
    expect(startupExitCode(newer)).toBe(5);
    expect(startupExitCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(3);
    expect(startupExitCode(new Error('x'))).toBe(1);
  });
});
