import type { Identifier, Organization } from 'fhir/r4';
import { AGENCY_ID_SYSTEM, badRequest, conflict, notFound } from '@passerelle/fhir';
import { type Actor, type FhirRepository, HUB_AGENCY } from '@passerelle/store';
import type { DataSource, EntityManager } from 'typeorm';
import { parseScope } from '../auth/scopes';
import { AgencyEntity } from './agency.entity';
import {
  AGENCY_KINDS,
  AGENCY_STATUSES,
  type Agency,
  type AgencyKind,
  type AgencyStatus,
} from './agency.types';
import { validateJwks } from './jwks';

export interface NewAgency {
  id: string;
  kind: AgencyKind;
  name: string;
  jwks: unknown;
  scopes: string[];
  /**
   * The agency's official identifiers (e.g. FINESS, ODS code) as `{ system, value }`: how
   * records that name the agency as an Organization (a patient's GP, a referral's performer) are
   * recognised as naming it.
   */
  identifiers?: unknown;
  /**
   * ISO 3166-1 alpha-2 code of its country (FR, GB ...), kept on its Organization's address.
   * Optional: an agency without one is taken to be in the hub's country (LETTER_SENDER_COUNTRY).
   */
  country?: unknown;
}

export interface AgencyChange {
  name?: string;
  status?: AgencyStatus;
  /** Replaces the registered keys (rotation): assertions signed with a removed key are refused. */
  jwks?: unknown;
  scopes?: string[];
  /** Replaces the agency's official identifiers. */
  identifiers?: unknown;
  /** Replaces its country; null removes it. */
  country?: unknown;
}

function checkCountry(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  let known = false;
  try {
    const name = /^[A-Z]{2}$/.test(code)
      ? new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' }).of(code)
      : undefined;
    known = name !== undefined && name !== code;
  } catch {
    known = false;
  }
  if (!known) throw badRequest('country must be an ISO 3166-1 alpha-2 code such as FR or GB', ['country']);
  return code;
}

const ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** Writes by the hub itself (an agency's Organization) are attributed to this pseudo-agency. */
export const HUB_ACTOR_AGENCY = HUB_AGENCY;
const ORGANIZATION_TYPE = {
  hospital: { code: 'prov', display: 'Healthcare Provider' },
  gp: { code: 'prov', display: 'Healthcare Provider' },
  specialist: { code: 'prov', display: 'Healthcare Provider' },
} as const;

function checkScopes(scopes: unknown): string[] {
  if (
    !Array.isArray(scopes) ||
    scopes.length === 0 ||
    !scopes.every((s) => typeof s === 'string' && parseScope(s))
  ) {
    throw badRequest('scopes must be a non-empty list of SMART system scopes such as system/*.rs', [
      'scopes',
    ]);
  }
  return [...new Set(scopes as string[])];
}

function checkIdentifiers(identifiers: unknown): Identifier[] {
  if (identifiers === undefined) return [];
  const ok =
    Array.isArray(identifiers) &&
    identifiers.length <= 20 &&
    identifiers.every(
      (i: { system?: unknown; value?: unknown }) =>
        typeof i === 'object' &&
        i !== null &&
        typeof i.system === 'string' &&
        /^\S{1,255}$/.test(i.system) &&
        i.system !== AGENCY_ID_SYSTEM &&
        typeof i.value === 'string' &&
        /^\S(.{0,98}\S)?$/.test(i.value),
    );
  if (!ok)
    throw badRequest(
      'identifiers must be a list of { system, value } (system a URI, value 1-100 characters)',
      ['identifiers'],
    );
  return (identifiers as { system: string; value: string }[]).map(({ system, value }) => ({ system, value }));
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 200) {
    throw badRequest('name must be 1 to 200 characters', ['name']);
  }
  return name.trim();
}

function countryOf(organization: Organization): string | undefined {
  return organization.address?.find((a) => a.country)?.country;
}

function toAgency(e: AgencyEntity): Agency {
  const country = countryOf(e.organization);
  return { ...e, ...(country ? { country } : {}) };
}

/** The registry of agencies: who may connect, with which keys, for which scopes. */
export class AgencyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly fhir: FhirRepository,
  ) {}

  async create(input: NewAgency, requestId: string): Promise<Agency> {
    if (typeof input.id !== 'string' || !ID.test(input.id)) {
      throw badRequest('id must be 2 to 63 lowercase letters, digits or hyphens', ['id']);
    }
    if (!AGENCY_KINDS.includes(input.kind))
      throw badRequest(`kind must be one of ${AGENCY_KINDS.join(', ')}`, ['kind']);
    const entity: AgencyEntity = Object.assign(new AgencyEntity(), {
      id: input.id,
      kind: input.kind,
      name: checkName(input.name),
      jwks: validateJwks(input.jwks),
      scopes: checkScopes(input.scopes),
      status: 'active' as const,
      organization: this.organizationOf(
        input.id,
        input.kind,
        checkName(input.name),
        true,
        checkIdentifiers(input.identifiers),
        checkCountry(input.country),
      ),
    });
    return this.fhir.transaction(async (db) => {
      const inserted: unknown[] = await db.query(
        `INSERT INTO agency (id, kind, name, organization, jwks, scopes, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [entity.id, entity.kind, entity.name, entity.organization, entity.jwks, entity.scopes, entity.status],
      );
      if (inserted.length === 0) throw conflict(`Agency ${input.id} already exists`);
      await this.writeOrganization(db, entity.organization, requestId);
      return toAgency(await db.findOneByOrFail(AgencyEntity, { id: entity.id }));
    });
  }

  async list(): Promise<Agency[]> {
    return (await this.dataSource.getRepository(AgencyEntity).find({ order: { id: 'ASC' } })).map(toAgency);
  }

  async find(id: string): Promise<Agency | undefined> {
    if (!ID.test(id)) return undefined;
    const found = await this.dataSource.getRepository(AgencyEntity).findOneBy({ id });
    return found ? toAgency(found) : undefined;
  }

  async get(id: string): Promise<Agency> {
    const found = await this.find(id);
    if (!found) throw notFound('Agency not found');
    return found;
  }

  async update(id: string, change: AgencyChange, requestId: string): Promise<Agency> {
    return this.fhir.transaction(async (db) => {
      const current = await db.findOne(AgencyEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw notFound('Agency not found');
      if (change.name !== undefined) current.name = checkName(change.name);
      if (change.status !== undefined) {
        if (!AGENCY_STATUSES.includes(change.status))
          throw badRequest('status must be active or suspended', ['status']);
        current.status = change.status;
      }
      if (change.jwks !== undefined) current.jwks = validateJwks(change.jwks);
      if (change.scopes !== undefined) current.scopes = checkScopes(change.scopes);
      const identifiers =
        change.identifiers !== undefined
          ? checkIdentifiers(change.identifiers)
          : (current.organization.identifier ?? []).filter((i) => i.system !== AGENCY_ID_SYSTEM);
      const country =
        change.country !== undefined ? checkCountry(change.country) : countryOf(current.organization);
      current.organization = this.organizationOf(
        current.id,
        current.kind,
        current.name,
        current.status === 'active',
        identifiers,
        country,
      );
      current.updatedAt = new Date();
      await db.save(AgencyEntity, current);
      await this.writeOrganization(db, current.organization, requestId);
      return toAgency(current);
    });
  }

  /** Every agency is also a FHIR Organization with the same id, so Consent provisions can name it. */
  private organizationOf(
    id: string,
    kind: AgencyKind,
    name: string,
    active: boolean,
    identifiers: Identifier[],
    country?: string,
  ): Organization {
    return {
      resourceType: 'Organization',
      id,
      active,
      identifier: [{ system: AGENCY_ID_SYSTEM, value: id }, ...identifiers],
      type: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/organization-type', ...ORGANIZATION_TYPE[kind] },
          ],
          text: kind,
        },
      ],
      name,
      ...(country ? { address: [{ country }] } : {}),
    };
  }

  private async writeOrganization(
    db: EntityManager,
    organization: Organization,
    requestId: string,
  ): Promise<void> {
    const actor: Actor = { agency: HUB_ACTOR_AGENCY, requestId };
    const pending = await this.fhir.prepareWrite(
      db,
      actor,
      'Organization',
      organization.id!,
      organization,
      {},
    );
    await this.fhir.commitAll(db, actor, [pending]);
  }
}
