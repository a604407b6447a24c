import type { Patient, Resource, ServiceRequest } from 'fhir/r4';
import { type DirectoryAgency, recipientsOf, referralContext, type RoutingInput } from './rules';
import { DEFAULT_ROUTING_RULES } from './rules-file';

const FINESS = 'http://finess.sante.gouv.fr';
const agencies: DirectoryAgency[] = [
  { id: 'chu', kind: 'hospital', identifiers: [{ system: 'urn:passerelle:agency', value: 'chu' }] },
  {
    id: 'cabinet',
    kind: 'gp',
    identifiers: [
      { system: 'urn:passerelle:agency', value: 'cabinet' },
      { system: FINESS, value: '440000289' },
    ],
  },
  { id: 'clinique', kind: 'specialist', identifiers: [] },
];

const encounter: Resource = { resourceType: 'Encounter' };
const patientWithGp = (ref: NonNullable<Patient['generalPractitioner']>[number]): Patient => ({
  resourceType: 'Patient',
  generalPractitioner: [ref],
});

function input(over: Partial<RoutingInput>): RoutingInput {
  return {
    resource: encounter,
    sourceAgency: 'chu',
    personRecords: [],
    organizations: new Map(),
    agencies,
    subscriptions: new Map(),
    ...over,
  };
}

/** Routing by the default file's rules. */
const route = (i: RoutingInput) => recipientsOf(i, DEFAULT_ROUTING_RULES);

describe('recipientsOf', () => {
  it('sends hospital encounters to the GP of record named by agency id', () => {
    const records = [{ patient: patientWithGp({ reference: 'Organization/cabinet' }), sourceAgency: 'chu' }];
    expect(route(input({ personRecords: records }))).toEqual([{ agency: 'cabinet', rule: 'gp-of-record' }]);
  });

  it("recognises the GP by the identifiers of the Organization a record points to, or the reference's own", () => {
    const byTarget = [{ patient: patientWithGp({ reference: 'Organization/x1' }), sourceAgency: 'chu' }];
    const organizations = new Map([['Organization/x1', [{ system: FINESS, value: '440000289' }]]]);
    expect(route(input({ personRecords: byTarget, organizations }))).toEqual([
      { agency: 'cabinet', rule: 'gp-of-record' },
    ]);
    const byIdentifier = [
      { patient: patientWithGp({ identifier: { system: FINESS, value: '440000289' } }), sourceAgency: 'chu' },
    ];
    expect(route(input({ personRecords: byIdentifier }))).toHaveLength(1);
    const unknown = [
      { patient: patientWithGp({ identifier: { system: FINESS, value: '000' } }), sourceAgency: 'chu' },
    ];
    expect(route(input({ personRecords: unknown }))).toEqual([]);
  });

  it('does not send the GP its own data, nor GP data to anyone by default, nor types outside the rules', () => {
    const records = [
      { patient: patientWithGp({ reference: 'Organization/cabinet' }), sourceAgency: 'cabinet' },
    ];
    expect(route(input({ personRecords: records, sourceAgency: 'cabinet' }))).toEqual([]);
    expect(route(input({ personRecords: records, resource: { resourceType: 'Consent' } }))).toEqual([]);
  });

  it('sends a referral to its performer, and what it cites as context', () => {
    const referral: ServiceRequest = {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
      performer: [{ reference: 'Organization/clinique' }],
      reasonReference: [{ reference: 'Condition/c1' }, { display: 'no reference' }],
      supportingInfo: [{ reference: 'https://elsewhere.example/fhir/Observation/o1' }],
    };
    expect(route(input({ resource: referral, sourceAgency: 'cabinet' }))).toEqual([
      {
        agency: 'clinique',
        rule: 'referral-performer',
        context: ['subject', 'reasonReference', 'supportingInfo'],
      },
    ]);
    expect(referralContext(referral)).toEqual(['Patient/p1', 'Condition/c1']);
    expect(referralContext(referral, ['reasonReference'])).toEqual(['Condition/c1']);
  });

  it('honours subscriptions for persons the subscriber has a record of, only', () => {
    const subscriptions = new Map([['clinique', new Set(['Encounter'])]]);
    const known = [{ patient: { resourceType: 'Patient' } as Patient, sourceAgency: 'clinique' }];
    expect(route(input({ subscriptions, personRecords: known }))).toEqual([
      { agency: 'clinique', rule: 'subscription' },
    ]);
    expect(route(input({ subscriptions }))).toEqual([]);
  });

  it("sends the hub's notices to the agencies they name, and nobody else's Communications", () => {
    const notice = {
      resourceType: 'Communication',
      status: 'completed',
      recipient: [{ reference: 'Organization/cabinet' }, { reference: 'Organization/clinique' }],
    } as Resource;
    expect(route(input({ resource: notice, sourceAgency: 'hub' }))).toEqual([
      { agency: 'cabinet', rule: 'notification' },
      { agency: 'clinique', rule: 'notification' },
    ]);
    expect(route(input({ resource: notice, sourceAgency: 'chu' }))).toEqual([]);
  });
});
