import type { AgencyKind } from '../agency/agency.types';
import type { Scope } from './scopes';

/** v3 ActReason codes a token may carry as its purpose of use. */
export const PURPOSES_OF_USE = [
  'TREAT',
  'ETREAT',
  'HOPERAT',
  'PATRQT',
  'PUBHLTH',
  'HPAYMT',
  'HRESCH',
] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];

/** Who is calling and for what, as proven by a verified hub access token. */
export interface AccessContext {
  agency: string;
  agencyKind: AgencyKind;
  scopes: Scope[];
  purposeOfUse?: PurposeOfUse;
  /** The acting practitioner, as a reference (e.g. Practitioner/123) or an identifier the agency gave. */
  practitioner?: string;
  breakGlassReason?: string;
  /** The access token's jti, for the audit trail. */
  tokenId: string;
}
