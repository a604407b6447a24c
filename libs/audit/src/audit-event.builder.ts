import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding, Reference } from 'fhir/r4';
import { ID_PATTERN, relativeTarget } from '@passerelle/fhir';
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

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/** `Practitioner/id` or `PractitionerRole/id`: a person the event can name as its agent. */
function isPractitionerReference(reference: string): boolean {
  const type = relativeTarget(reference)?.type;
  return type === 'Practitioner' || type === 'PractitionerRole';
}
/** Any surrogate (paired ones are checked again, slowly, by `text`). */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * jsonb refuses NUL and lone surrogates; one such character would fail a whole group commit, so
 * free text is made storable here, in the caller's own `record()`.
 */
function text(value: string, max = 1000): string {
  // Most values (ids, codes) hold neither: two scans, no copies.
  if (value.length <= max && !value.includes('\u0000') && !SURROGATE.test(value)) return value;
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
  const who: Reference = isPractitionerReference(practitioner)
    ? { reference: practitioner }
    : {
        identifier: {
          system: `urn:passerelle:agency:${agency}:practitioner`,
          value: text(practitioner, 200),
        },
      };
  return { requestor: true, type: { coding: [HUMAN_USER] }, who };
}

function entities(
  input: AuditInput,
  resourceType?: string,
  resourceId?: string,
  patientId?: string,
): AuditEventEntity[] {
  const list: AuditEventEntity[] = [];
  if (patientId !== undefined)
    list.push({ role: PATIENT_ROLE, type: PERSON_ENTITY, what: { reference: `Patient/${patientId}` } });
  // The resource asked for (BALP entity:data), never a search's results.
  if (resourceType !== undefined)
    list.push({
      role: RESOURCE_ROLE,
      type: OBJECT_ENTITY,
      what:
        resourceId !== undefined
          ? { reference: `${resourceType}/${resourceId}`, type: resourceType }
          : { type: resourceType },
    });
  if (input.query !== undefined && input.query !== '')
    list.push({
      query: Buffer.from(text(input.query, 8000), 'utf8').toString('base64'),
      role: QUERY_ROLE,
      type: OBJECT_ENTITY,
    });
  list.push({
    ...(input.details?.length
      ? { detail: input.details.map((d) => ({ type: text(d.type, 100), valueString: text(d.value, 200) })) }
      : {}),
    type: REQUEST_ID_ENTITY,
    what: { identifier: { value: required(input.requestId, 'requestId') } },
  });
  return list;
}

/**
 * One AuditEvent shaped as IHE BALP (RESTful interaction): the agency as requesting client, the
 * practitioner when known, the hub as server and observer, the patient and the query as
 * entities. Holds identifiers only: no names, no resource content, no search results.
 * Throws a TypeError on an input that could not be stored (so only its own caller fails).
 * Every object lists its keys in canonical order, so `canonicalJsonOf` serialises it without
 * sorting (a key out of order costs time, not correctness: the spec checks the order).
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
  const agency = checked(required(input.agency, 'agency'), ID_PATTERN, 'agency') ?? '';
  const resourceType = checked(input.resourceType, TYPE, 'resourceType');
  const resourceId = checked(input.resourceId, ID_PATTERN, 'resourceId');
  const patientId = checked(input.patientId, ID_PATTERN, 'patientId');
  const breakGlass = input.breakGlassReason !== undefined;

  const subtype: Coding[] = [{ code: input.interaction, system: SYSTEMS.interaction }];
  if (input.operation !== undefined)
    subtype.push({ code: text(input.operation, 100), system: SYSTEMS.operation });
  if (breakGlass) subtype.push(BREAK_GLASS_SUBTYPE);

  const client: AuditEventAgent = {
    altId: required(input.clientId, 'clientId'),
    requestor: true,
    ...(input.agencyKind !== undefined
      ? { role: [{ coding: [{ code: text(input.agencyKind, 50), system: SYSTEMS.agencyKind }] }] }
      : {}),
    type: { coding: [CLIENT_ROLE] },
    who: { reference: `Organization/${agency}` },
  };
  const server: AuditEventAgent = {
    requestor: false,
    type: { coding: [SERVER_ROLE] },
    who: { display: HUB_DISPLAY, identifier: HUB_IDENTIFIER },
  };
  const outcomeDesc =
    input.outcomeDesc !== undefined ? text(input.outcomeDesc, 200) : DEFAULT_OUTCOME_DESC[input.outcome];

  return {
    action: input.action ?? defaultAction(input.interaction),
    agent: [
      client,
      ...(input.practitioner !== undefined ? [practitionerAgent(agency, input.practitioner)] : []),
      server,
    ],
    entity: entities(input, resourceType, resourceId, patientId),
    ...(breakGlass
      ? { extension: [{ url: BREAK_GLASS_EXTENSION, valueString: text(input.breakGlassReason ?? '', 500) }] }
      : {}),
    id: options.id ?? randomUUID(),
    ...(breakGlass ? { meta: { security: [BREAK_GLASS_LABEL] } } : {}),
    outcome: OUTCOME_CODES[input.outcome],
    ...(outcomeDesc !== undefined ? { outcomeDesc } : {}),
    ...(input.purposeOfUse !== undefined
      ? { purposeOfEvent: [{ coding: [{ code: text(input.purposeOfUse, 50), system: SYSTEMS.actReason }] }] }
      : {}),
    recorded: (options.recorded ?? new Date()).toISOString(),
    resourceType: 'AuditEvent',
    source: { observer: { display: HUB_DISPLAY, identifier: HUB_IDENTIFIER }, type: [APPLICATION_SERVER] },
    subtype,
    type: REST_TYPE,
  };
}
