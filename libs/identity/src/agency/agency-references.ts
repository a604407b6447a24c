import type { Identifier, Organization, Reference } from 'fhir/r4';
import type { Db } from '@passerelle/store';
import { idOfReference } from '@passerelle/fhir';
import type { AgencyKind } from './agency.types';

/** An agency as routing and care relationships see it: its id (= its Organization id), kind and identifiers. */
export interface DirectoryAgency {
  id: string;
  kind: AgencyKind;
  identifiers: readonly Identifier[];
}

const sameIdentifier = (a: Identifier, b: Identifier) =>
  a.system !== undefined && a.value !== undefined && a.system === b.system && a.value === b.value;

/** The id in an `Organization/<id>` reference, else undefined. */
export function organizationIdOf(reference: string | undefined): string | undefined {
  return idOfReference(reference, 'Organization');
}

/**
 * The agency an Organization reference stands for: by id, by the reference's identifier, or by
 * the identifiers of the Organization it points at (an agency's own record of a GP practice).
 */
export function agencyOfReference(
  ref: Reference,
  agencies: readonly DirectoryAgency[],
  organizations: ReadonlyMap<string, readonly Identifier[]>,
): DirectoryAgency | undefined {
  const direct = organizationIdOf(ref.reference);
  const byId = direct ? agencies.find((a) => a.id === direct) : undefined;
  if (byId) return byId;
  const identifiers = [
    ...(ref.identifier ? [ref.identifier] : []),
    ...(ref.reference ? (organizations.get(ref.reference) ?? []) : []),
  ];
  return agencies.find((a) => a.identifiers.some((x) => identifiers.some((y) => sameIdentifier(x, y))));
}

/** The active agencies, read on the caller's connection (inside its transaction where it has one). */
export async function activeAgencies(db: Db): Promise<DirectoryAgency[]> {
  const rows: { id: string; kind: AgencyKind; organization: Organization }[] = await db.query(
    `SELECT id, kind, organization FROM agency WHERE status = 'active' ORDER BY id`,
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, identifiers: r.organization.identifier ?? [] }));
}

/** The kind of a registered agency (active or not), read on the caller's connection. */
export async function agencyKindOf(db: Db, agency: string): Promise<AgencyKind | undefined> {
  const rows: { kind: AgencyKind }[] = await db.query('SELECT kind FROM agency WHERE id = $1', [agency]);
  return rows[0]?.kind;
}
