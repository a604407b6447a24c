/** Passerelle's own identifier systems, shared by every lib that names an agency. */

/** An agency's identifier: its id (= its Organization id and OAuth client id). */
export const AGENCY_ID_SYSTEM = 'urn:passerelle:agency';
/** Every agency of a kind (hospital, gp, specialist), e.g. as a Consent actor. */
export const AGENCY_KIND_SYSTEM = 'urn:passerelle:agency-kind';
