import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AccessTokenService, TokenService } from '@passerelle/identity';
import { registerAgency, startTestHub, type TestHub } from '@passerelle/testing';
import request from 'supertest';

const PER_IP = 5;
const FORM = 'application/x-www-form-urlencoded';

/** A well-formed ES384 access token for the hub, signed by a key that is not the hub's. */
function forgedToken(hub: TestHub): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  return jwt.sign(
    { iss: hub.url, aud: `${hub.url}/fhir`, sub: 'writer', scope: 'system/*.cruds', jti: randomUUID() },
    privateKey,
    { algorithm: 'ES384', expiresIn: 60 },
  );
}

/** A client assertion for a registered agency, signed by a key the hub does not know. */
function forgedAssertion(hub: TestHub, agency: string): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  return jwt.sign({ iss: agency, sub: agency, aud: `${hub.url}/auth/token`, jti: randomUUID() }, privateKey, {
    algorithm: 'ES384',
    keyid: `${agency}-key-1`,
    expiresIn: 60,
  });
}

describe.each([
  ['in memory', (): Record<string, string> => ({})],
  [
    'in Redis',
    // A prefix of its own per hub: the counters of one hub never reach another.
    (): Record<string, string> => ({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `test:${randomBytes(6).toString('hex')}:`,
    }),
  ],
])('limits per client address, before authentication, %s', (_name, redis) => {
  describe('behind a trusted proxy', () => {
    let hub: TestHub;
    let verifications: jest.SpyInstance;
    let exchanges: jest.SpyInstance;
    beforeAll(async () => {
      // The test talks to the hub from 127.0.0.1, which plays the load balancer: the client is
      // the address its X-Forwarded-For names.
      hub = await startTestHub('postgres', {
        env: { RATE_LIMIT_PER_IP: String(PER_IP), TRUST_PROXY: '127.0.0.1', ...redis() },
      });
      await registerAgency(hub, { id: 'writer' });
      // Spies that call through: they count the work a request caused, they change none of it.
      verifications = jest.spyOn(hub.app.get(AccessTokenService), 'verify');
      exchanges = jest.spyOn(hub.app.get(TokenService), 'exchange');
    });
    afterAll(() => hub.close());
    beforeEach(() => {
      verifications.mockClear();
      exchanges.mockClear();
    });

    const fhirAs = (client: string, token: string) =>
      request(hub.url)
        .get('/fhir/Patient')
        .set('x-forwarded-for', client)
        .set('authorization', `Bearer ${token}`);

    it('answers a flood of forged tokens 429 before any signature check', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < PER_IP + 20; i++)
        statuses.push((await fhirAs('203.0.113.7', forgedToken(hub))).status);
      expect(statuses.slice(0, PER_IP)).toEqual(Array(PER_IP).fill(401));
      expect(statuses.slice(PER_IP)).toEqual(Array(20).fill(429));
      // Only the requests within the limit reached the verifier; the 20 refused never did.
      expect(verifications).toHaveBeenCalledTimes(PER_IP);
      const limited = await fhirAs('203.0.113.7', forgedToken(hub)).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ code: 'throttled' }],
      });
      expect(verifications).toHaveBeenCalledTimes(PER_IP);
    });

    it('answers a flood of forged client assertions 429 before any database read', async () => {
      const post = () =>
        request(hub.url)
          .post('/auth/token')
          .set('x-forwarded-for', '198.51.100.23')
          .set('content-type', FORM)
          .send(
            new URLSearchParams({
              grant_type: 'client_credentials',
              client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
              client_assertion: forgedAssertion(hub, 'writer'),
              scope: 'system/*.rs',
            }).toString(),
          );
      const statuses: number[] = [];
      for (let i = 0; i < PER_IP + 10; i++) statuses.push((await post()).status);
      expect(statuses.slice(0, PER_IP)).toEqual(Array(PER_IP).fill(401));
      expect(statuses.slice(PER_IP)).toEqual(Array(10).fill(429));
      // The token service (agency lookup, jti store, signature) ran only for the first five.
      expect(exchanges).toHaveBeenCalledTimes(PER_IP);
    });

    it('counts each client apart, and a spoofed leftmost X-Forwarded-For entry changes nothing', async () => {
      for (let i = 0; i < PER_IP; i++) await fhirAs('192.0.2.50', 'not.a.token').expect(401);
      // The proxy appends the address it saw; whatever the client wrote before it is not trusted.
      await fhirAs(`10.9.9.9, 192.0.2.50`, 'not.a.token').expect(429);
      await fhirAs(`${randomUUID()}, 192.0.2.50`, 'not.a.token').expect(429);
      // Another client behind the same proxy is not held back by the first one.
      await fhirAs('192.0.2.51', 'not.a.token').expect(401);
    });
  });

  describe('without TRUST_PROXY', () => {
    let hub: TestHub;
    beforeAll(async () => {
      hub = await startTestHub('postgres', { env: { RATE_LIMIT_PER_IP: String(PER_IP), ...redis() } });
    });
    afterAll(() => hub.close());

    it('ignores X-Forwarded-For: a client cannot choose its own address', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < PER_IP + 3; i++) {
        const res = await request(hub.url)
          .get('/fhir/Patient')
          .set('x-forwarded-for', `198.18.0.${i + 1}`)
          .set('authorization', 'Bearer not.a.token');
        statuses.push(res.status);
      }
      expect(statuses).toEqual([...Array(PER_IP).fill(401), 429, 429, 429]);
    });
  });
});
