import { Inject, Injectable } from '@nestjs/common';
import type { Bundle, Parameters, ParametersParameter } from 'fhir/r4';
import { type AccessReportRow, AuditQueries } from '@passerelle/audit';
import type { ConsentScopedRepository } from '@passerelle/consent';
import {
  badRequest,
  notFound,
  parseDateRange,
  type QueryParams,
  queryString,
  searchsetBundle,
} from '@passerelle/fhir';
import { FHIR_BASE_URL } from '../core.module';
import { PatientLinksService } from './patient-links.service';

const single = (params: QueryParams, name: string) =>
  typeof params[name] === 'string' ? params[name] : undefined;

function instant(value: string | undefined, name: string, end: boolean): Date | undefined {
  if (value === undefined) return undefined;
  const range = parseDateRange(value);
  if (!range) throw badRequest(`${name} must be a FHIR date or dateTime`, [name]);
  return new Date(end ? range.hi : range.lo);
}

/**
 * The audit trail through the FHIR API. An agency reads the AuditEvents of its own accesses;
 * what others did with a patient's data is told to the patient through Patient/$access-report.
 */
@Injectable()
export class AuditApiService {
  constructor(
    private readonly audit: AuditQueries,
    private readonly links: PatientLinksService,
    @Inject(FHIR_BASE_URL) private readonly baseUrl: string,
  ) {}

  async read(agency: string, id: string): Promise<string> {
    const event = await this.audit.read(id);
    const own = event?.agent?.some((a) => a.requestor && a.who?.reference === `Organization/${agency}`);
    if (!event || !own) throw notFound();
    return JSON.stringify(event);
  }

  async search(agency: string, params: QueryParams): Promise<Bundle> {
    const count = Math.min(Number(single(params, '_count') ?? 20) || 20, 500);
    const after = single(params, '_page') !== undefined ? Number(single(params, '_page')) : undefined;
    if (after !== undefined && !Number.isSafeInteger(after)) throw badRequest('Invalid _page');
    const echo: [string, string][] = [];
    for (const name of ['patient', 'subtype', 'date']) {
      for (const v of ([] as string[]).concat(params[name] ?? [])) echo.push([name, v]);
    }
    const patient = single(params, 'patient');
    const page = await this.audit.search({
      agency,
      patient: patient ? await this.links.linkedPatients(patient.replace(/^Patient\//, '')) : undefined,
      subtype: single(params, 'subtype'),
      dateGe: instant(single(params, 'date')?.replace(/^ge/, ''), 'date', false),
      count,
      after,
    });
    const path = `${this.baseUrl}/AuditEvent`;
    return searchsetBundle(
      this.baseUrl,
      page.events.map((resource) => ({ resource, mode: 'match' as const })),
      {
        self: `${path}${queryString(echo)}`,
        next:
          page.next !== undefined
            ? `${path}${queryString([...echo, ['_count', String(count)], ['_page', String(page.next)]])}`
            : undefined,
      },
    );
  }

  /**
   * Patient/{id}/$access-report: who (agency, practitioner) accessed the person's records, when,
   * what and why, break-glass included, over [start, end). The caller must be allowed to see the
   * Patient itself.
   */
  async accessReport(
    scope: ConsentScopedRepository,
    patientId: string,
    params: QueryParams,
  ): Promise<Parameters> {
    await scope.read('Patient', patientId);
    const start = instant(single(params, 'start'), 'start', false) ?? new Date(0);
    const end = instant(single(params, 'end'), 'end', true) ?? new Date();
    const rows = await this.audit.accessReport(await this.links.linkedPatients(patientId), start, end);
    return {
      resourceType: 'Parameters',
      parameter: [
        { name: 'start', valueInstant: start.toISOString() },
        { name: 'end', valueInstant: end.toISOString() },
        ...rows.map(accessParameter),
      ],
    };
  }
}

function accessParameter(row: AccessReportRow): ParametersParameter {
  const part: ParametersParameter[] = [
    { name: 'recorded', valueInstant: row.recorded.toISOString() },
    { name: 'interaction', valueCode: row.operation ?? row.interaction },
    { name: 'outcome', valueCode: row.outcome },
    { name: 'breakGlass', valueBoolean: row.breakGlass },
  ];
  if (row.agency) part.push({ name: 'agency', valueReference: { reference: `Organization/${row.agency}` } });
  if (row.practitioner) part.push({ name: 'practitioner', valueString: row.practitioner });
  if (row.resourceType) part.push({ name: 'resourceType', valueCode: row.resourceType });
  if (row.purposeOfUse) part.push({ name: 'purposeOfUse', valueCode: row.purposeOfUse });
  if (row.breakGlassReason) part.push({ name: 'breakGlassReason', valueString: row.breakGlassReason });
  return { name: 'access', part };
}
