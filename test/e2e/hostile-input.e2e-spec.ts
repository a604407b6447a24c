import fc from 'fast-check';
import { registerAgency, STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';

/** No request may hang: past this it fails the property. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Runs per property and store: the whole file stays well under a minute (FUZZ_RUNS to explore). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
/** Fixed, so that a failure is reproduced by the next run (FUZZ_SEED to explore others). */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_207);

// ---- generated JSON, as raw text (what a hostile client sends, not what JSON.stringify makes) ----

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
const quote = (s: string) => JSON.stringify(s);

/** Strings a parser, a validator or the database may trip on. */
const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    '\u0000',
    '\u202e',
    '\ufeff',
    'Z\u0301\u0327',
    '%00',
    '💥'.repeat(50),
    'a'.repeat(70_000),
  ),
  fc.nat({ max: 300_000 }).map((n) => 'x'.repeat(n)),
);

/** A JSON string literal, sometimes with a lone surrogate written as an escape. */
const stringText: fc.Arbitrary<string> = fc.oneof(
  oddString.map(quote),
  fc.constantFrom('"\\ud800"', '"a\\udfffb"', '"\\udc00\\ud800"', '"\\u0000"'),
);

const scalarText: fc.Arbitrary<string> = fc.oneof(
  stringText,
  fc.constantFrom('null', 'true', 'false', '0', '-0', '1e309', '-1e-400', '123456789012345678901234567890'),
  fc.double().map((d) => (Number.isFinite(d) ? String(d) : '0')),
);

const keyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS).map(quote) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(
        'resourceType',
        'id',
        'meta',
        'name',
        'identifier',
        'entry',
        'type',
        'request',
        'resource',
      )
      .map(quote),
  },
  { weight: 2, arbitrary: stringText },
);

/** Any JSON text: nested objects (duplicate keys allowed, written twice) and arrays. */
const { json: jsonText } = fc.letrec<{ json: string }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarText,
    fc.array(tie('json'), { maxLength: 6 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(keyText, tie('json')), { maxLength: 6 })
      .map((members) => `{${members.map(([k, v]) => `${k}:${v}`).join(',')}}`),
  ),
}));

/** Nesting far deeper than any resource, or far wider. */
const deepText = fc
  .tuple(fc.integer({ min: 40, max: 5_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth));
const wideText = fc
  .integer({ min: 1_000, max: 50_000 })
  .map((n) => `{"resourceType":"Patient",${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`);

/** A resource shape with hostile members, so that bodies get past the parser to the validator. */
const resourceText = (type: string) =>
  fc
    .array(fc.tuple(keyText, jsonText), { maxLength: 5 })
    .map((members) => `{"resourceType":${quote(type)}${members.map(([k, v]) => `,${k}:${v}`).join('')}}`);

const bundleText = fc
  .tuple(fc.constantFrom('transaction', 'batch', 'searchset', '7'), fc.array(jsonText, { maxLength: 4 }))
  .chain(([type, raw]) =>
    fc
      .array(
        fc.tuple(
          resourceText('Patient'),
          fc.constantFrom('POST', 'PUT', 'DELETE', 'GET', 'PATCH', '1'),
          oddString,
        ),
        { maxLength: 4 },
      )
      .map(
        (entries) =>
          `{"resourceType":"Bundle","type":${quote(type)},"entry":[${[
            ...entries.map(
              ([resource, method, url]) =>
                `{"resource":${resource},"request":{"method":${quote(method)},"url":${quote(`Patient/${url}`)}}}`,
            ),
            ...raw,
          ].join(',')}]}`,
      ),
  );

const body = fc.oneof(jsonText, deepText, wideText, resourceText('Patient'), bundleText);

// ---- generated search query strings ----

const paramName = fc.oneof(
  fc.constantFrom(
    '_id',
    '_lastUpdated',
    'identifier',
    'patient',
    'subject',
    'code',
    'date',
    'status',
    '_count',
    '_sort',
    '_include',
    '_revinclude',
    '_summary',
    '_page',
    '_total',
    '__proto__',
    'constructor',
    'name:exact',
    'subject:Patient.name',
  ),
  oddString,
);
const paramValue = fc.oneof(
  oddString,
  fc.constantFrom(
    'gt2020-01-01',
    'ne',
    'le9999-99-99T99:99',
    '-1',
    '99999999999999999999',
    'http://x|',
    '|',
    'Patient:subject',
    '*',
    '%',
    '%ZZ',
    '%ud800',
  ),
);
/** Raw query text: names and values percent-encoded or not (a bad escape is for the hub to refuse). */
const queryText = fc
  .array(fc.tuple(paramName, paramValue, fc.boolean()), { maxLength: 6 })
  .map((params) =>
    params
      .map(([k, v, raw]) =>
        raw
          ? `${k.replace(/[#\s]/g, '')}=${v.replace(/[#\s]/g, '')}`
          : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`,
      )
      .join('&'),
  );

/**
 * Generated hostile input, sent over HTTP to a real hub: the answer is a 4xx OperationOutcome or
 * a success, never a 500, never a hang; nothing reaches Object.prototype; the hub still answers.
 */
describe.each(STORE_KINDS)('hostile input on %s', (kind) => {
  let hub: TestHub;
  let token: string;
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    hub = await startTestHub(kind);
    token = await (await registerAgency(hub, { id: 'hospital-fuzz' })).token();
  });
  afterAll(() => hub.close());

  const send = async (method: string, path: string, text?: string) => {
    const res = await fetch(`${hub.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: text,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const answer = await res.text();
    return { status: res.status, answer };
  };

  const unharmed = (status: number, answer: string) => {
    // The answer is in the message when it fails: an error id, never a stack.
    expect(status >= 500 ? `${status} ${answer.slice(0, 300)}` : 'below 500').toBe('below 500');
    if (status >= 400) expect(answer.slice(0, 300)).toMatch(/^\{"resourceType":"OperationOutcome"/);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    for (const key of ['isAdmin', 'polluted', 'a', 'k0', 'resourceType'])
      expect((Object.prototype as Record<string, unknown>)[key]).toBeUndefined();
  };

  it('create, update and transaction bodies', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('create', 'update', 'bundle'), async (text, interaction) => {
        const [method, path] =
          interaction === 'create'
            ? ['POST', '/fhir/Patient']
            : interaction === 'update'
              ? ['PUT', '/fhir/Patient/fuzz-1']
              : ['POST', '/fhir'];
        const { status, answer } = await send(method, path, text);
        unharmed(status, answer);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it('search query strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        queryText,
        fc.constantFrom('Patient', 'Observation', 'Encounter'),
        async (query, type) => {
          const { status, answer } = await send('GET', `/fhir/${type}?${query}`);
          unharmed(status, answer);
        },
      ),
      { numRuns: RUNS * 2, seed: SEED, endOnFailure: true },
    );
  });

  it('still answers afterwards', async () => {
    const created = await send('POST', '/fhir/Patient', '{"resourceType":"Patient","gender":"female"}');
    expect(created.status).toBe(201);
    expect((await send('GET', '/fhir/Patient?gender=female')).status).toBe(200);
  });
});
