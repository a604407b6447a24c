import { Injectable } from '@nestjs/common';
import type { Bundle, BundleEntry, Parameters, Patient } from 'fhir/r4';
import {
  badRequest,
  getFhirSchemaValidator,
  invalidResource,
  referenceKey,
  type SearchQuery,
  idOfReference,
} from '@passerelle/fhir';
import { PatientIndex } from '@passerelle/identity';
import { careAgenciesOf, type ConsentScopedRepository } from '@passerelle/consent';
import { type Db, FhirRepository, parseStored, type StoredResource } from '@passerelle/store';

const MATCH_GRADE = 'http://hl7.org/fhir/StructureDefinition/match-grade';

/**
 * The patient index seen from the FHIR API: an agency's patient reference stands for every
 * record of the same person (searches and $everything resolve through the links), and
 * Patient/$match finds the records of a person.
 */
@Injectable()
export class PatientLinksService {
  constructor(
    private readonly mpi: PatientIndex,
    private readonly repo: FhirRepository,
  ) {}

  /** `patient=Patient/A` becomes `patient=Patient/A,Patient/B` when A and B are one person. */
  async expandQuery(query: SearchQuery, db: Db = this.repo.dataSource.manager): Promise<SearchQuery> {
    const filters = [];
    for (const filter of query.filters) {
      if (filter.kind !== 'reference') {
        filters.push(filter);
        continue;
      }
      const keys = new Set(filter.keys);
      for (const key of filter.keys) {
        const bar = key.indexOf('|');
        const patient = bar > 0 ? idOfReference(key.slice(bar + 1), 'Patient') : undefined;
        if (patient === undefined) continue;
        for (const linked of await this.mpi.linkedPatients(db, patient))
          keys.add(referenceKey(key.slice(0, bar), `Patient/${linked}`));
      }
      filters.push({ ...filter, keys: [...keys] });
    }
    return { ...query, filters };
  }

  linkedPatients(patientId: string): Promise<string[]> {
    return this.mpi.linkedPatients(this.repo.dataSource.manager, patientId);
  }

  /** Whether `agency` has a care relationship with any of these records (one person's). */
  async inCareOf(agency: string, records: readonly string[]): Promise<boolean> {
    return (await careAgenciesOf(this.repo.dataSource.manager, records)).includes(agency);
  }

  /** Patient/$match (FHIR R4): the stored records that match the given Patient, graded. */
  async match(scope: ConsentScopedRepository, baseUrl: string, body: unknown): Promise<Bundle> {
    const parameters = body as Parameters;
    if (parameters?.resourceType !== 'Parameters' || !Array.isArray(parameters.parameter)) {
      throw badRequest('Patient/$match takes a Parameters resource', ['Parameters']);
    }
    const resource = parameters.parameter.find((p) => p.name === 'resource')?.resource as Patient | undefined;
    if (resource?.resourceType !== 'Patient')
      throw badRequest('Parameter "resource" must be a Patient', ['Parameters.parameter']);
    const issues = getFhirSchemaValidator().validate(resource);
    if (issues.length > 0) throw invalidResource(400, issues);
    const onlyCertain =
      parameters.parameter.find((p) => p.name === 'onlyCertainMatches')?.valueBoolean === true;
    const count = parameters.parameter.find((p) => p.name === 'count')?.valueInteger;
    const db = this.repo.dataSource.manager;
    const results = await this.mpi.match(db, resource, { onlyCertain, count });
    const found = new Map<string, StoredResource>();
    for (const result of results) {
      // Internal: the candidates are decided on by the caller's scope (disclose) before any answer.
      const stored = await this.repo.internal.current('Patient', result.patientId, db);
      if (stored && !stored.deleted) found.set(result.patientId, stored);
    }
    // Only the records the caller may see are answered (and each answer is audited).
    const visible = new Set((await scope.disclose('match', 'Patient', [...found.values()])).map((s) => s.id));
    const entry: BundleEntry[] = [];
    for (const result of results) {
      const stored = found.get(result.patientId);
      if (!stored || !visible.has(result.patientId)) continue;
      entry.push({
        fullUrl: `${baseUrl}/Patient/${result.patientId}`,
        resource: parseStored(stored),
        search: {
          mode: 'match',
          score: result.score,
          extension: [{ url: MATCH_GRADE, valueCode: result.grade }],
        },
      });
    }
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: entry.length,
      ...(entry.length > 0 ? { entry } : {}),
    };
  }
}
