import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Identifier, Patient, Reference, Resource, ServiceRequest } from 'fhir/r4';
import { ConfigError } from '@passerelle/config';
import { SUPPORTED_TYPES } from '@passerelle/fhir';
import type { DirectoryAgency } from '@passerelle/identity';
import { legacyRecipientsOf, legacyReferralContext } from './legacy-rules.testing';
import { recipientsOf, referralContext, type RoutingInput } from './rules';
import { DEFAULT_ROUTING_RULES, loadRoutingRules, parseRoutingRules } from './rules-file';

const DEFAULT_FILE = join(__dirname, 'default-routing-rules.json');

/** A small deterministic generator (mulberry32), so a failure names an input that can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const some = <T>(list: readonly T[], max: number): T[] =>
    Array.from({ length: Math.floor(next() * (max + 1)) }, () => pick(list));
  return { next, pick, some };
}

const FINESS = 'http://finess.sante.gouv.fr';
const AGENCIES: DirectoryAgency[] = [
  { id: 'chu', kind: 'hospital', identifiers: [{ system: FINESS, value: '100' }] },
  { id: 'ch-nord', kind: 'hospital', identifiers: [] },
  { id: 'cabinet', kind: 'gp', identifiers: [{ system: FINESS, value: '200' }] },
  { id: 'maison-sante', kind: 'gp', identifiers: [{ system: FINESS, value: '201' }] },
  { id: 'clinique', kind: 'specialist', identifiers: [{ system: FINESS, value: '300' }] },
];
const SOURCES = [...AGENCIES.map((a) => a.id), 'hub', 'suspended-agency'];

/** References an agency by id, by identifier, through an Organization's identifiers, or not at all. */
function organizationRef(
  r: ReturnType<typeof random>,
  organizations: Map<string, readonly Identifier[]>,
): Reference {
  const agency = r.pick(AGENCIES);
  switch (r.pick(['id', 'identifier', 'target', 'unknown', 'display'] as const)) {
    case 'id':
      return { reference: `Organization/${agency.id}` };
    case 'identifier':
      return { identifier: agency.identifiers[0] ?? { system: FINESS, value: '999' } };
    case 'target': {
      const ref = `Organization/local-${agency.id}`;
      organizations.set(ref, agency.identifiers);
      return { reference: ref };
    }
    case 'unknown':
      return { reference: 'Organization/nobody' };
    case 'display':
      return { display: 'Dr Somebody' };
  }
}

function generatedInput(seed: number): RoutingInput {
  const r = random(seed);
  const organizations = new Map<string, readonly Identifier[]>();
  // Half the changes of the types the rules single out, whatever the number of stored types.
  const type =
    r.next() < 0.5
      ? r.pick(['Communication', 'ServiceRequest', 'Encounter', 'Observation'] as const)
      : r.pick(SUPPORTED_TYPES);
  const resource: Resource & Record<string, unknown> = { resourceType: type };
  if (type === 'ServiceRequest') {
    Object.assign(resource, {
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/p${seed}` },
      performer: Array.from({ length: Math.floor(r.next() * 3) }, () => organizationRef(r, organizations)),
      reasonReference: r.some(
        [{ reference: 'Condition/c1' }, { display: 'x' }, { reference: 'Observation/o1' }],
        2,
      ),
      supportingInfo: r.some(
        [{ reference: 'DocumentReference/d1' }, { reference: 'https://x.example/Observation/o' }],
        2,
      ),
      encounter: { reference: 'Encounter/e1' },
    } satisfies Partial<ServiceRequest>);
  }
  if (type === 'Communication')
    resource.recipient = Array.from({ length: Math.floor(r.next() * 3) }, () =>
      organizationRef(r, organizations),
    );
  const personRecords = Array.from(
    { length: Math.floor(r.next() * 4) },
    (): RoutingInput['personRecords'][number] => ({
      patient: {
        resourceType: 'Patient',
        generalPractitioner: Array.from({ length: Math.floor(r.next() * 3) }, () =>
          organizationRef(r, organizations),
        ),
      },
      sourceAgency: r.pick([...SOURCES, null]),
    }),
  );
  const subscriptions = new Map<string, Set<string>>();
  for (const agency of r.some(AGENCIES, 3))
    // Half the subscribers take this change's type, whatever the number of stored types.
    subscriptions.set(agency.id, new Set([...(r.next() < 0.5 ? [type] : []), ...r.some(SUPPORTED_TYPES, 3)]));
  return {
    resource,
    sourceAgency: r.pick(SOURCES),
    personRecords,
    organizations,
    agencies: AGENCIES,
    subscriptions,
  };
}

describe('the default routing rules file', () => {
  it('is the file the hub reads by default', () => {
    const fromFile = parseRoutingRules(readFileSync(DEFAULT_FILE, 'utf8'), 'default');
    expect(fromFile).toEqual(DEFAULT_ROUTING_RULES);
    expect(loadRoutingRules(undefined)).toEqual(DEFAULT_ROUTING_RULES);
  });

  it('routes 20,000 generated changes exactly as the constant in code did, referral context included', () => {
    const rules = parseRoutingRules(readFileSync(DEFAULT_FILE, 'utf8'), 'default');
    const routed = { total: 0, byRule: new Map<string, number>() };
    for (let seed = 1; seed <= 20_000; seed++) {
      const input = generatedInput(seed);
      const now = recipientsOf(input, rules);
      const before = legacyRecipientsOf(input);
      expect({ seed, recipients: now.map(({ agency, rule }) => ({ agency, rule })) }).toEqual({
        seed,
        recipients: before,
      });
      for (const r of now) {
        routed.total++;
        routed.byRule.set(r.rule, (routed.byRule.get(r.rule) ?? 0) + 1);
        if (r.rule === 'referral-performer')
          expect(referralContext(input.resource as ServiceRequest, r.context)).toEqual(
            legacyReferralContext(input.resource as ServiceRequest),
          );
      }
    }
    // The generator reaches every rule, so the comparison is not won by routing nothing.
    for (const rule of ['gp-of-record', 'referral-performer', 'subscription', 'notification'])
      expect({ rule, often: (routed.byRule.get(rule) ?? 0) > 100 }).toEqual({ rule, often: true });
  });
});

describe('a rules file with problems', () => {
  const problems = (text: string): string[] => {
    try {
      parseRoutingRules(text, 'routing.json');
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    throw new Error('expected a ConfigError');
  };

  it('names the line and the rule of every problem, all at once', () => {
    const text = `{
  "version": 1,
  "rules": [
    {
      "name": "labs-to-clinic",
      "to": { "kinds": ["specialist", "pharmacy"] },
      "types": ["Observation", "Banana"],
      "from": { "agencies": ["chu"] }
    },
    {
      "name": "labs-to-clinic",
      "to": "gp-of-record",
      "typo": true
    },
    { "to": "everyone", "types": ["Encounter"] },
    { "name": "subs", "to": "subscription", "types": ["Encounter"] },
    { "name": "referrals", "to": "referral-performer", "types": ["Encounter"], "context": ["subject", "author"] }
  ],
  "subscriptions": { "cabinet": ["Observation"], "bad id!": ["Encounter"] }
}`;
    expect(problems(text)).toEqual([
      'routing.json line 6, rule "labs-to-clinic": "pharmacy" is not an agency kind (hospital, gp, specialist)',
      'routing.json line 7, rule "labs-to-clinic": "Banana" is not a resource type the hub stores',
      'routing.json line 11, rule "labs-to-clinic": the name "labs-to-clinic" is used by an earlier rule',
      'routing.json line 13, rule "labs-to-clinic": "typo" is not understood (expected name, description, to, types, from, context)',
      'routing.json line 10, rule "labs-to-clinic": a rule sending to the GP of record needs "types"',
      'routing.json line 15: each rule needs a "name": lower-case letters, digits and dashes',
      'routing.json line 15: "to" must be "gp-of-record", "referral-performer", "subscription" or { "kinds": [...], "agencies": [...] }',
      'routing.json line 16, rule "subs": subscription rules send the types each agency subscribed to: leave "types" out',
      'routing.json line 17, rule "referrals": "author" is not one of subject, encounter, reasonReference, supportingInfo, basedOn',
      'routing.json line 17, rule "referrals": a referral-performer rule sends ServiceRequest only',
      'routing.json line 19: "bad id!" is not an agency id',
    ]);
  });

  it('names the line and column of a syntax error, and a key given twice', () => {
    expect(problems('{\n  "version": 1,\n  "rules": [\n    { "name": "a", }\n  ]\n}')).toEqual([
      'routing.json is not valid JSON: line 4, column 20: expected """, found "}"',
    ]);
    expect(problems('{\n  "version": 1,\n  "version": 2,\n  "rules": []\n}')).toEqual([
      'routing.json is not valid JSON: line 3, column 3: "version" is given twice',
    ]);
  });

  it('refuses another version, a missing rules list, and subscriptions nobody sends to', () => {
    expect(problems('{ "version": 2, "subscriptions": { "cabinet": ["Encounter"] } }')).toEqual([
      'routing.json line 1: "version" must be 1 (the format this hub reads)',
      'routing.json line 1: "rules" must be a list of rules',
      'routing.json line 1: subscriptions are declared but no rule sends to "subscription"',
    ]);
  });

  it('says when the file named cannot be read', () => {
    expect(() => loadRoutingRules('/nonexistent/routing.json')).toThrow(
      new ConfigError(['SYNC_ROUTING_RULES /nonexistent/routing.json cannot be read (ENOENT)']),
    );
  });
});

describe('a deployment of its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routing-rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = join(dir, 'routing.json');
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      rules: [
        {
          name: 'results-to-gp',
          to: 'gp-of-record',
          types: ['Observation', 'DiagnosticReport'],
          from: { kinds: ['hospital'] },
        },
        {
          name: 'stays-to-clinic',
          to: { agencies: ['clinique'] },
          types: ['Encounter'],
          from: { agencies: ['chu'] },
        },
        { name: 'referrals', to: 'referral-performer', context: ['subject', 'encounter'] },
        { name: 'subscribers', to: 'subscription' },
      ],
      subscriptions: { 'maison-sante': ['Immunization'] },
    }),
  );
  const rules = loadRoutingRules(file);
  const input = (over: Partial<RoutingInput>): RoutingInput => ({
    resource: { resourceType: 'Encounter' },
    sourceAgency: 'chu',
    personRecords: [],
    organizations: new Map(),
    agencies: AGENCIES,
    subscriptions: new Map(),
    ...over,
  });
  const gpOfRecord = {
    patient: {
      resourceType: 'Patient',
      generalPractitioner: [{ reference: 'Organization/cabinet' }],
    } as Patient,
    sourceAgency: 'chu',
  };

  it('sends the GP of record only the types it lists, from the kinds it lists', () => {
    expect(
      recipientsOf(input({ resource: { resourceType: 'Observation' }, personRecords: [gpOfRecord] }), rules),
    ).toEqual([{ agency: 'cabinet', rule: 'gp-of-record' }]);
    // Encounters no longer go to the GP; from a specialist, nothing does.
    expect(recipientsOf(input({ personRecords: [gpOfRecord] }), rules)).toEqual([]);
    expect(
      recipientsOf(
        input({
          resource: { resourceType: 'Observation' },
          sourceAgency: 'clinique',
          personRecords: [gpOfRecord],
        }),
        rules,
      ),
    ).toEqual([]);
  });

  it('sends named agencies what they asked for, for persons they hold a record of only', () => {
    const knownByClinic = { patient: { resourceType: 'Patient' } as Patient, sourceAgency: 'clinique' };
    expect(recipientsOf(input({ personRecords: [knownByClinic] }), rules)).toEqual([
      { agency: 'clinique', rule: 'record-holder' },
    ]);
    expect(recipientsOf(input({}), rules)).toEqual([]);
    expect(recipientsOf(input({ sourceAgency: 'ch-nord', personRecords: [knownByClinic] }), rules)).toEqual(
      [],
    );
  });

  it("brings the referral's context the rule names", () => {
    const recipients = recipientsOf(
      input({
        resource: {
          resourceType: 'ServiceRequest',
          performer: [{ reference: 'Organization/clinique' }],
        } as Resource,
      }),
      rules,
    );
    expect(recipients).toEqual([
      { agency: 'clinique', rule: 'referral-performer', context: ['subject', 'encounter'] },
    ]);
    const request = {
      resourceType: 'ServiceRequest',
      subject: { reference: 'Patient/p' },
      encounter: { reference: 'Encounter/e' },
      reasonReference: [{ reference: 'Condition/c' }],
    } as ServiceRequest;
    expect(referralContext(request, recipients[0].context)).toEqual(['Patient/p', 'Encounter/e']);
  });

  it("adds the file's subscriptions to the admin API's", () => {
    const known = [
      { patient: { resourceType: 'Patient' } as Patient, sourceAgency: 'maison-sante' },
      { patient: { resourceType: 'Patient' } as Patient, sourceAgency: 'cabinet' },
    ];
    const stored = new Map([
      ['cabinet', new Set(['Immunization'])],
      ['maison-sante', new Set(['Condition'])],
    ]);
    const immunization = { resourceType: 'Immunization' } as Resource;
    expect(
      recipientsOf(input({ resource: immunization, personRecords: known, subscriptions: stored }), rules),
    ).toEqual([
      { agency: 'cabinet', rule: 'subscription' },
      { agency: 'maison-sante', rule: 'subscription' },
    ]);
    expect(
      recipientsOf(
        input({ resource: { resourceType: 'Condition' }, personRecords: known, subscriptions: stored }),
        rules,
      ),
    ).toEqual([{ agency: 'maison-sante', rule: 'subscription' }]);
  });
});
