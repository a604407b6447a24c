import type { Organization } from 'fhir/r4';

export const AGENCY_KINDS = ['hospital', 'gp', 'specialist'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

export const AGENCY_STATUSES = ['active', 'suspended'] as const;
export type AgencyStatus = (typeof AGENCY_STATUSES)[number];

/** A public key as registered (JWK, RFC 7517): RSA (RS384) or EC P-384 (ES384), with a kid. */
export interface PublicJwk {
  kty: 'RSA' | 'EC';
  kid: string;
  alg?: 'RS384' | 'ES384';
  use?: 'sig';
  n?: string;
  e?: string;
  crv?: 'P-384';
  x?: string;
  y?: string;
}

export interface Jwks {
  keys: PublicJwk[];
}

/** An agency: a hospital, GP practice or specialist clinic that exchanges data through the hub. */
export interface Agency {
  /** Also its OAuth client id and the id of its Organization resource. */
  id: string;
  kind: AgencyKind;
  name: string;
  organization: Organization;
  jwks: Jwks;
  /** The SMART scopes it may be granted, e.g. `system/*.rs`. */
  scopes: string[];
  /**
   * ISO 3166-1 alpha-2 code of the country it is in (its Organization's address), when registered:
   * the patients' addresses it records without a country are taken to be there (letters).
   */
  country?: string;
  status: AgencyStatus;
  createdAt: Date;
  updatedAt: Date;
}
