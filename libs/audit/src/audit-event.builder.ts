import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding, Reference } from 'fhir/r4';
import {
  APPLICATION_SERVER,
  BREAK_GLASS_EXTENSION,
  BREAK_GLASS_LABEL,
  BREAK_GLASS_SUBTYPE,
  CLIENT_ROLE,
  DEFAULT_OUTCOME_DESC,
  defaultAction,
  HUB_DISPLAY,
  HUB_IDENTIFIER,
  HUMAN_USER,
  OBJECT_ENTITY,
  OUTCOME_CODES,
  PATIENT_ROLE,
  PERSON_ENTITY,
  QUERY_ROLE,
  REQUEST_ID_ENTITY,
  RESOURCE_ROLE,
  REST_TYPE,
  SERVER_ROLE,
  SYSTEMS,
} from './audit-codes';
import { type AuditInput, RESTFUL_INTERACTIONS } from './audit.types';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const PRACTITIONER_REFERENCE = /^(Practitioner|PractitionerRole)\/[A-Za-z0-9\-.]{1,64}$/;

/**
 * jsonb refuses NUL and lone surrogates; one such character would fail a whole group commit, so
 * free text is made storable here, in the caller's own `record()`.
 */
function text(value: string, max = 1000): string {
  // Cut first: a cut through a surrogate pair leaves a lone half, which jsonb refuses.
  return value
    .replaceAll('\u0000', '')
    .slice(0, max)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function required(value: string | undefined, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`AuditInput.${name} is required`);
  return text(value, 200);
}

function checked(value: string | undefined, pattern: RegExp, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!pattern.test(value)) throw new TypeError(`AuditInput.${name} is not a valid id or type`);
  return value;
}

function practitionerAgent(agency: string, practitioner: string): AuditEventAgent {
  const who: Reference = PRACTITIONER_REFERENCE.test(practitioner)
    ? { reference: practitioner }
    : {
        identifier: {
          system: `urn:passerelle:agency:${agency}:practitioner`,
          value: text(practitioner, 200),
        },
      };
  return { type: { coding: [HUMAN_USER] }, who, requestor: true };
}

function entities(
  input: AuditInput,
  resourceType?: string,
  resourceId?: string,
  patientId?: string,
): AuditEventEntity[] {
  const list: AuditEventEntity[] = [];
  if (patientId !== undefined)
    list.push({ what: { reference: `Patient/${patientId}` }, type: PERSON_ENTITY, role: PATIENT_ROLE });
  // The resource asked for (BALP entity:data), never a search's results.
  if (resourceType !== undefined)
    list.push({
      what:
        resourceId !== undefined
          ? { reference: `${resourceType}/${resourceId}`, type: resourceType }
          : { type: resourceType },
      type: OBJECT_ENTITY,
      role: RESOURCE_ROLE,
    });
  if (input.query !== undefined && input.query !== '')
    list.push({
      type: OBJECT_ENTITY,
      role: QUERY_ROLE,
      query: Buffer.from(text(input.query, 8000), 'utf8').toString('base64'),
    });
  list.push({
    what: { identifier: { value: required(input.requestId, 'requestId') } },
    type: REQUEST_ID_ENTITY,
    ...(input.details?.length
      ? { detail: input.details.map((d) => ({ type: text(d.type, 100), valueString: text(d.value, 200) })) }
      : {}),
  });
  return list;
}

/**
 * One AuditEvent shaped as IHE BALP (RESTful interaction): the agency as requesting client, the
 * practitioner when known, the hub as server and observer, the patient and the query as
 * entities. Holds identifiers only: no names, no resource content, no search results.
 * Throws a TypeError on an input that could not be stored (so only its own caller fails).
 */
export function buildAuditEvent(
  input: AuditInput,
  options: { id?: string; recorded?: Date } = {},
): AuditEvent {
  if (!(RESTFUL_INTERACTIONS as readonly string[]).includes(input.interaction))
    throw new TypeError(
      `AuditInput.interaction "${String(input.interaction)}" is not a FHIR RESTful interaction`,
    );
  if (!(input.outcome in OUTCOME_CODES)) throw new TypeError('AuditInput.outcome is not a known outcome');
  const agency = checked(required(input.agency, 'agency'), ID, 'agency') ?? '';
  const resourceType = checked(input.resourceType, TYPE, 'resourceType');
  const resourceId = checked(input.resourceId, ID, 'resourceId');
  const patientId = checked(input.patientId, ID, 'patientId');
  const breakGlass = input.breakGlassReason !== undefined;

  const subtype: Coding[] = [{ system: SYSTEMS.interaction, code: input.interaction }];
  if (input.operation !== undefined)
    subtype.push({ system: SYSTEMS.operation, code: text(input.operation, 100) });
  if (breakGlass) subtype.push(BREAK_GLASS_SUBTYPE);

  const client: AuditEventAgent = {
    type: { coding: [CLIENT_ROLE] },
    who: { reference: `Organization/${agency}` },
    altId: required(input.clientId, 'clientId'),
    requestor: true,
    ...(input.agencyKind !== undefined
      ? { role: [{ coding: [{ system: SYSTEMS.agencyKind, code: text(input.agencyKind, 50) }] }] }
      : {}),
  };
  const server: AuditEventAgent = {
    type: { coding: [SERVER_ROLE] },
    who: { identifier: HUB_IDENTIFIER, display: HUB_DISPLAY },
    requestor: false,
  };
  const outcomeDesc =
    input.outcomeDesc !== undefined ? text(input.outcomeDesc, 200) : DEFAULT_OUTCOME_DESC[input.outcome];

  return {
    resourceType: 'AuditEvent',
    id: options.id ?? randomUUID(),
    ...(breakGlass ? { meta: { security: [BREAK_GLASS_LABEL] } } : {}),
    ...(breakGlass
      ? { extension: [{ url: BREAK_GLASS_EXTENSION, valueString: text(input.breakGlassReason ?? '', 500) }] }
      : {}),
    type: REST_TYPE,
    subtype,
    action: input.action ?? defaultAction(input.interaction),
    recorded: (options.recorded ?? new Date()).toISOString(),
    outcome: OUTCOME_CODES[input.outcome],
    ...(outcomeDesc !== undefined ? { outcomeDesc } : {}),
    ...(input.purposeOfUse !== undefined
      ? { purposeOfEvent: [{ coding: [{ system: SYSTEMS.actReason, code: text(input.purposeOfUse, 50) }] }] }
      : {}),
    agent: [
      client,
      ...(input.practitioner !== undefined ? [practitionerAgent(agency, input.practitioner)] : []),
      server,
    ],
    source: { observer: { identifier: HUB_IDENTIFIER, display: HUB_DISPLAY }, type: [APPLICATION_SERVER] },
    entity: entities(input, resourceType, resourceId, patientId),
  };
}
