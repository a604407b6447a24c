import { createHash } from 'node:crypto';
import type { FhirResource, Organization, Patient, ServiceRequest } from 'fhir/r4';
import { defaultAgencies, FINESS_SYSTEM, INS_NIR_SYSTEM } from '@passerelle/synthetic';
import { AGENCY_KINDS, AGENCY_RECORD_TYPES, knowsPatient } from './agency-kinds';
import { agencyRecords, seedBundle } from './seed';

const agencies = defaultAgencies('FR');
const options = { patients: 6, seed: 7 };

function referencesIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(referencesIn);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'reference' && typeof value === 'string' ? [value] : referencesIn(value),
  );
}

function identifierOf(resource: FhirResource): { system?: string; value?: string } | undefined {
  const identifier = 'identifier' in resource ? resource.identifier : undefined;
  return Array.isArray(identifier) ? identifier[0] : identifier;
}

describe('agencyRecords', () => {
  it('is deterministic: the same options give the same records', () => {
    for (const kind of AGENCY_KINDS) {
      expect(JSON.stringify(agencyRecords(kind, agencies[kind], options))).toBe(
        JSON.stringify(agencyRecords(kind, agencies[kind], options)),
      );
    }
  });

  it('holds the patients each agency knows, and only its own kinds of record', () => {
    for (const kind of AGENCY_KINDS) {
      const records = agencyRecords(kind, agencies[kind], options);
      expect(records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5].filter((i) => knowsPatient(kind, i)));
      const types = new Set(records.flatMap((r) => r.record.entries.map((e) => e.resource.resourceType)));
      expect([...types].sort()).toEqual([...AGENCY_RECORD_TYPES[kind]].sort());
    }
  });

  it('keys every resource on an identifier in the agency’s own system, so conditional writes work', () => {
    for (const kind of AGENCY_KINDS) {
      for (const { record } of agencyRecords(kind, agencies[kind], options)) {
        for (const { resource } of record.entries) {
          expect(identifierOf(resource)?.system?.startsWith(`${agencies[kind].identifierSystem}/`)).toBe(
            true,
          );
          expect(identifierOf(resource)?.value).toBeTruthy();
        }
      }
    }
  });

  it('never refers to a resource the agency does not hold', () => {
    for (const kind of AGENCY_KINDS) {
      for (const { record } of agencyRecords(kind, agencies[kind], options)) {
        const held = new Set(record.entries.map((e) => e.fullUrl));
        const dangling = record.entries.flatMap((e) => referencesIn(e.resource)).filter((r) => !held.has(r));
        expect(dangling).toEqual([]);
      }
    }
  });

  it('holds the same person at every agency that knows them, each under its own record number', () => {
    const patientsOf = (kind: (typeof AGENCY_KINDS)[number]) =>
      agencyRecords(kind, agencies[kind], options).find((r) => r.index === 0)?.record.patient as Patient;
    const [hospital, gp, specialist] = AGENCY_KINDS.map(patientsOf);
    const nir = (p: Patient) => p.identifier?.find((i) => i.system === INS_NIR_SYSTEM)?.value;
    expect(nir(hospital)).toBeDefined();
    expect(new Set([nir(hospital), nir(gp), nir(specialist)]).size).toBe(1);
    expect(new Set([hospital, gp, specialist].map((p) => p.identifier?.[0]?.system)).size).toBe(3);
    // The GP practice is the patient's GP of record everywhere.
    expect(gp.generalPractitioner?.length).toBeGreaterThan(0);
    expect(hospital.generalPractitioner?.[0]?.display).toBe(agencies.gp.organization.name);
  });

  it('gives the specialist referrals performed by the hospital', () => {
    const [first] = agencyRecords('specialist', agencies.specialist, options);
    const entries = first.record.entries;
    const request = entries.find((e) => e.resource.resourceType === 'ServiceRequest')
      ?.resource as ServiceRequest;
    const performer = entries.find((e) => e.fullUrl === request.performer?.[0]?.reference)
      ?.resource as Organization;
    expect(performer.identifier?.map((i) => i.system)).toEqual([
      `${agencies.specialist.identifierSystem}/organization`,
      FINESS_SYSTEM,
    ]);
    expect(performer.identifier?.[1]?.value).toBe(agencies.hospital.organization.identifier?.[0]?.value);
    expect(request).toMatchObject({
      status: 'active',
      intent: 'order',
      subject: { reference: expect.stringMatching(/^urn:uuid:/) },
    });
  });

  it('writes a record as a batch of creates, directory resources only when absent', () => {
    const [first] = agencyRecords('hospital', agencies.hospital, options);
    const bundle = seedBundle(first);
    expect(bundle.type).toBe('batch');
    const organization = bundle.entry?.find((e) => e.resource?.resourceType === 'Organization');
    expect(organization?.request?.ifNoneExist).toMatch(/^identifier=/);
  });

  it('keeps discharge summaries’ content as Binaries their attachments name, other documents’ inline', () => {
    const entries = agencyRecords('hospital', agencies.hospital, options).flatMap(
      (record) => seedBundle(record).entry ?? [],
    );
    const binaries = new Map(
      entries.flatMap((e) => (e.resource?.resourceType === 'Binary' ? [[`Binary/${e.resource.id}`, e]] : [])),
    );
    const documents = entries.flatMap((e) =>
      e.resource?.resourceType === 'DocumentReference' ? [e.resource] : [],
    );
    const byUrl = documents.filter((d) => d.content[0].attachment.url !== undefined);
    expect(byUrl.length).toBeGreaterThan(0);
    expect(byUrl.length).toBeLessThan(documents.length);
    for (const document of byUrl) {
      const { attachment } = document.content[0];
      const binary = binaries.get(attachment.url ?? '');
      expect(binary?.request).toEqual({ method: 'PUT', url: attachment.url });
      expect(attachment.data).toBeUndefined();
      const bytes = Buffer.from((binary?.resource as { data?: string }).data ?? '', 'base64');
      expect(createHash('sha1').update(bytes).digest('base64')).toBe(attachment.hash);
    }
  });
});
