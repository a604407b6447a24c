import type { Encounter, Organization, Reference, ServiceRequest } from 'fhir/r4';
import {
  type AgencyIdentity,
  createRandom,
  localSystem,
  SNOMED,
  type SyntheticEntry,
  type SyntheticPatient,
} from '@passerelle/synthetic';

/**
 * The generator writes no ServiceRequest, so the specialist's referrals are made here, in the
 * generator's style: a cardiology clinic orders a hospital examination after a consultation.
 * The hospital (the performer) is the agency the hub routes the referral to.
 */

const EXAMINATIONS: readonly { code: string; display: string; fr: string }[] = [
  { code: '40701008', display: 'Echocardiography', fr: 'Échocardiographie' },
  { code: '33367005', display: 'Coronary angiography', fr: 'Coronarographie' },
  { code: '76746007', display: 'Cardiovascular stress testing', fr: 'Épreuve d’effort' },
];

const REFERRAL = { system: SNOMED, code: '3457005', display: 'Patient referral' };

export function referral(
  record: SyntheticPatient,
  kept: readonly SyntheticEntry[],
  specialist: AgencyIdentity,
  hospital: AgencyIdentity,
  seed: number,
): SyntheticEntry[] {
  const rng = createRandom(seed).fork('sandbox-referral', record.index, specialist.id);
  const fr = record.country === 'FR';
  const patient = kept.find((e) => e.resource.resourceType === 'Patient');
  const practitioner = kept.find((e) => e.resource.resourceType === 'Practitioner');
  if (patient === undefined || practitioner === undefined) return [];
  const encounters = kept
    .map((e) => ({ fullUrl: e.fullUrl, resource: e.resource }))
    .filter((e): e is { fullUrl: string; resource: Encounter } => e.resource.resourceType === 'Encounter')
    .sort((a, b) => (a.resource.period?.start ?? '').localeCompare(b.resource.period?.start ?? ''));
  const consultation = encounters.at(-1);

  const performer = hospitalAsSeenBy(specialist, hospital);
  const performerEntry: SyntheticEntry = {
    fullUrl: `urn:uuid:${rng.uuid()}`,
    resource: performer,
    shared: true,
  };
  const exam = rng.pick(EXAMINATIONS);
  const key = record.patient.identifier?.[0]?.value ?? `${record.seed}-${record.index}`;
  const request: ServiceRequest = {
    resourceType: 'ServiceRequest',
    identifier: [
      { system: `${specialist.identifierSystem.replace(/\/+$/, '')}/service-request`, value: `${key}-1` },
    ],
    status: 'active',
    intent: 'order',
    category: [{ coding: [REFERRAL], text: fr ? 'Adressage' : 'Referral' }],
    code: {
      coding: [{ system: SNOMED, code: exam.code, display: exam.display }],
      text: fr ? exam.fr : exam.display,
    },
    subject: { reference: patient.fullUrl },
    requester: ref(practitioner),
    performer: [
      {
        reference: performerEntry.fullUrl,
        ...(performer.name !== undefined ? { display: performer.name } : {}),
      },
    ],
  };
  if (consultation !== undefined) {
    request.encounter = { reference: consultation.fullUrl };
    const authored = consultation.resource.period?.end ?? consultation.resource.period?.start;
    if (authored !== undefined) request.authoredOn = authored;
  }
  return [performerEntry, { fullUrl: `urn:uuid:${rng.uuid()}`, resource: request, shared: false }];
}

function ref(entry: SyntheticEntry): Reference {
  const name = entry.resource.resourceType === 'Practitioner' ? entry.resource.name?.[0] : undefined;
  const display =
    name?.text ?? [name?.prefix?.join(' '), name?.given?.join(' '), name?.family].filter(Boolean).join(' ');
  return display === '' ? { reference: entry.fullUrl } : { reference: entry.fullUrl, display };
}

/** The hospital's Organization in the specialist's directory: its local identifier first. */
function hospitalAsSeenBy(viewer: AgencyIdentity, subject: AgencyIdentity): Organization {
  const copy = structuredClone(subject.organization);
  delete copy.id;
  delete copy.meta;
  const system = localSystem(viewer, 'organization');
  copy.identifier = [
    { system, value: subject.id },
    ...(copy.identifier ?? []).filter((i) => i.system !== system),
  ];
  return copy;
}
