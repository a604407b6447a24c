import { Inject, Injectable } from '@nestjs/common';
import type { AuditEvent, Bundle, Parameters, ParametersParameter } from 'fhir/r4';
import {
  type AccessReportRow,
  AUDIT_SYSTEMS,
  AuditQueries,
  requesterView,
  searchRequesterView,
} from '@passerelle/audit';
import type { ConsentScopedRepository } from '@passerelle/consent';
import {
  badRequest,
  forbidden,
  notFound,
  parseDateRange,
  parseSearchQuery,
  type QueryParams,
  queryString,
  searchsetBundle,
  subsetResource,
} from '@passerelle/fhir';
import { FHIR_BASE_URL } from '../core.module';
import { PatientLinksService } from './patient-links.service';

/** v3 ActReason PATRQT: the agency acts at the patient's own request. */
const PATIENT_REQUEST = 'PATRQT';

const single = (params: QueryParams, name: string) =>
  typeof params[name] === 'string' ? params[name] : undefined;

function instant(value: string | undefined, name: string, end: boolean): Date | undefined {
  if (value === undefined) return undefined;
  const range = parseDateRange(value);
  if (!range) throw badRequest(`${name} must be a FHIR date or dateTime`, [name]);
  return new Date(end ? range.hi : range.lo);
}

/**
 * The audit trail through the FHIR API. An agency reads the AuditEvents of its own accesses (its
 * denials naming only what it asked for); what others did with a patient's data is told to the
 * patient through Patient/$access-report.
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
    if (!event || !own || !shownToRequester(event)) throw notFound();
    return JSON.stringify(requesterView(event));
  }

  /**
   * The caller's own audit trail, searched with every official AuditEvent parameter on what the
   * requester may see of each event (searchRequesterView), `_summary`/`_elements` applied.
   */
  async search(agency: string, params: QueryParams, strict: boolean): Promise<Bundle> {
    const parsed = parseSearchQuery('AuditEvent', params, {
      strict,
      defaultCount: 20,
      maxCount: 500,
      localBases: [this.baseUrl],
    });
    // A patient's other records (the same person at other agencies) are searched too.
    const query = await this.links.expandQuery(parsed);
    const page = await searchRequesterView(this.audit, agency, query);
    const path = `${this.baseUrl}/AuditEvent`;
    const echo = query.echo;
    return searchsetBundle(
      this.baseUrl,
      page.events.map((event) => ({
        resource: query.subset ? subsetResource(event, query.subset) : event,
        mode: 'match' as const,
      })),
      {
        self: `${path}${queryString(echo)}`,
        next:
          page.next !== undefined
            ? `${path}${queryString([...echo.filter(([n]) => n !== '_count'), ['_count', String(query.count)], ['_page', String(page.next)]])}`
            : undefined,
      },
    );
  }

  /**
   * Patient/{id}/$access-report: who (agency, practitioner) accessed the person's records, when,
   * what and why, break-glass included, over [start, end). It is the patient's: released to an
   * agency acting at the patient's request (purpose PATRQT) that has a care relationship with
   * them, never to one treating them (403); without a relationship the person does not exist
   * for the caller (404). Audited as a disclosure about the patient.
   */
  async accessReport(
    scope: ConsentScopedRepository,
    patientId: string,
    params: QueryParams,
  ): Promise<Parameters> {
    if (scope.caller.purposeOfUse !== PATIENT_REQUEST)
      throw forbidden(
        `The access report is the patient's: it is released at the patient's request (purpose of use ${PATIENT_REQUEST}), or by letter`,
      );
    const start = instant(single(params, 'start'), 'start', false) ?? new Date(0);
    const end = instant(single(params, 'end'), 'end', true) ?? new Date();
    const records = await this.links.linkedPatients(patientId);
    if (!(await this.links.inCareOf(scope.caller.agency, records))) {
      await scope.recordOperation('access-report', patientId, 'denied');
      throw notFound();
    }
    await scope.recordOperation('access-report', patientId, 'success');
    const rows = await this.audit.accessReport(records, start, end);
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

/** The same rule as AuditSearch.requesterView, for one event read by id. */
function shownToRequester(event: AuditEvent): boolean {
  const interaction = event.subtype?.find((c) => c.system === AUDIT_SYSTEMS.interaction)?.code;
  return event.outcome === '0' || interaction === 'read' || interaction === 'vread';
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
