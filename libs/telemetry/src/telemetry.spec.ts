import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { PinoNestLogger } from './nest-logger';
import { requestIdFrom } from './access-log';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with time, level name and service, at LOG_LEVEL', () => {
    const out = capture();
    const logger = createLogger('hub', 'warn', out.stream);
    logger.info('not at warn');
    logger.warn({ route: '/fhir/:type' }, 'slow');
    expect(out.lines()).toEqual([
      {
        level: 'warn',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        service: 'hub',
        route: '/fhir/:type',
        msg: 'slow',
      },
    ]);
  });

  it('redacts the fields that can hold patient data, at the top level and one down', () => {
    const out = capture();
    const logger = createLogger('worker', 'debug', out.stream);
    logger.debug(
      {
        body: { resourceType: 'Patient', name: [{ family: 'Martin' }] },
        query: 'family=Martin',
        resource: { birthDate: '1970-01-01' },
        job: { name: 'Martin', identifier: '1234567890', birthDate: '1970-01-01', kept: 'route' },
        req: { url: '/fhir/Patient?family=Martin', headers: { authorization: 'Bearer x', accept: 'json' } },
      },
      'job',
    );
    const [line] = out.lines();
    expect(JSON.stringify(line)).not.toMatch(/Martin|1970-01-01|1234567890|Bearer/);
    expect(line).toMatchObject({
      body: '[redacted]',
      query: '[redacted]',
      resource: '[redacted]',
      job: { name: '[redacted]', identifier: '[redacted]', birthDate: '[redacted]', kept: 'route' },
      req: { url: '[redacted]', headers: { authorization: '[redacted]', accept: 'json' } },
    });
  });
});

describe('PinoNestLogger', () => {
  it("writes Nest's calls with their context, errors with their stack, at the levels Nest sets", () => {
    const out = capture();
    const logger = new PinoNestLogger(createLogger('hub', 'debug', out.stream));
    logger.log('started', 'Bootstrap');
    logger.error('failed', 'Error: failed\n    at x', 'Filter');
    logger.setLogLevels(['fatal', 'error']);
    logger.warn('dropped', 'Files');
    expect(out.lines()).toMatchObject([
      { level: 'info', context: 'Bootstrap', msg: 'started' },
      { level: 'error', context: 'Filter', msg: 'failed', err: { stack: 'Error: failed\n    at x' } },
    ]);
    expect(out.lines()).toHaveLength(2);
  });
});

describe('requestIdFrom', () => {
  const uuid = 'd3b07384-d113-4ec6-a2b8-2f5e4c7b2a10';
  it.each([
    [uuid, uuid],
    ['D3B07384D1134EC6A2B82F5E4C7B2A10', 'd3b07384d1134ec6a2b82f5e4c7b2a10'],
  ])('adopts the well-formed %s', (given, expected) => {
    expect(requestIdFrom({ headers: { 'x-request-id': given } })).toBe(expected);
  });

  it.each(['Martin', 'patient-1970-01-01', 'abc', `${uuid} `, 'f'.repeat(65)])(
    'replaces %j with a UUID',
    (given) => {
      const id = requestIdFrom({ headers: { 'x-request-id': given } });
      expect(id).not.toBe(given);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    },
  );

  it('makes a UUID when none is given, or several are', () => {
    expect(requestIdFrom({ headers: {} })).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFrom({ headers: { 'x-request-id': [uuid, uuid] } })).not.toBe(uuid);
  });
});
