import { Inject, Injectable } from '@nestjs/common';
import type { Bundle, Patient } from 'fhir/r4';
import type { ConsentScopedRepository } from '@passerelle/consent';
import { notFound, SUPPORTED_TYPES, type SupportedType } from '@passerelle/fhir';
import { type AccessContext, AgencyService, allows, PatientIndex } from '@passerelle/identity';
import { FhirRepository, HUB_AGENCY, parseStored, type StoredResource } from '@passerelle/store';
import { buildSummary, SUMMARY_RESOURCE_TYPES, type SummaryAgency } from '@passerelle/summary';
import { FHIR_BASE_URL } from '../core.module';

const HUB_NAME = 'Passerelle hub';

/**
 * Patient/{id}/$summary: the person's records that may go into a summary are handed to the
 * caller's consent scope, and the document is built from what the scope lets through — the scope
 * decides every row and writes the `summary` disclosure to the audit trail before anything is
 * returned. Nothing read here reaches the builder any other way.
 */
@Injectable()
export class SummaryService {
  constructor(
    private readonly repo: FhirRepository,
    private readonly mpi: PatientIndex,
    private readonly agencies: AgencyService,
    @Inject(FHIR_BASE_URL) private readonly baseUrl: string,
  ) {}

  async summary(
    scope: ConsentScopedRepository,
    access: AccessContext,
    patientId: string,
    query?: string,
  ): Promise<Bundle> {
    // The same answer as a read: unknown or hidden → 404, deleted → 410 (and audited as a read).
    const patient = await scope.read('Patient', patientId);
    const linked = await this.mpi.linkedPatients(this.repo.dataSource.manager, patientId);
    // As $everything: only the types the token may read.
    const readable = SUPPORTED_TYPES.filter(
      (t) => allows(access.scopes, t, 'r') || allows(access.scopes, t, 's'),
    );
    const types = SUMMARY_RESOURCE_TYPES.filter((t) => readable.includes(t));
    const candidates = types.length > 0 ? await this.compartment(scope, linked, types) : [];
    const shown = await scope.disclose('summary', 'Patient', [patient, ...candidates], query);
    const self = shown.find((s) => s.type === 'Patient' && s.id === patientId);
    // The patient's consent may have changed since the read: then the answer is the read's.
    if (!self) throw notFound();
    const resources = shown.filter((s) => s !== self);
    return buildSummary({
      patient: { resource: parseStored<Patient>(self), agency: self.sourceAgency },
      resources: resources.map((s) => ({ resource: parseStored(s), agency: s.sourceAgency })),
      agencies: await this.agencyNames(shown),
      now: new Date(),
      requester: { agency: access.agency, practitioner: access.practitioner },
      baseUrl: this.baseUrl,
      linkedPatientIds: linked,
      readableTypes: readable,
    });
  }

  /**
   * Every current resource of these types in the person's records, in pages of the store's
   * maximum size. Only ever handed to the scope's `disclose`, which drops what the caller may
   * not see: the summary must choose its entries among the visible ones only (a hidden result
   * must not push a visible one out of the "most recent" cut, nor leave a gap that tells).
   */
  private async compartment(
    scope: ConsentScopedRepository,
    patientIds: readonly string[],
    types: readonly SupportedType[],
  ): Promise<StoredResource[]> {
    const rows: StoredResource[] = [];
    let pageToken: string | undefined;
    do {
      const page = await scope.compartment(patientIds, {
        types,
        count: this.repo.options.maxCount,
        pageToken,
      });
      rows.push(...page.entries.map((e) => e.stored));
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return rows;
  }

  /** The registry's names of the agencies the document cites (an unknown id stays an id). */
  private async agencyNames(rows: readonly StoredResource[]): Promise<SummaryAgency[]> {
    const ids = [...new Set(rows.map((r) => r.sourceAgency).filter((a): a is string => a !== null))];
    const names: SummaryAgency[] = [];
    for (const id of ids) {
      if (id === HUB_AGENCY) {
        names.push({ id, name: HUB_NAME });
        continue;
      }
      const agency = await this.agencies.find(id);
      if (agency) names.push({ id, name: agency.name });
    }
    return names;
  }
}
