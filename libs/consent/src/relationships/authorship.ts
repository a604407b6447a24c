import type { Consent, ConsentProvision } from 'fhir/r4';
import { forbidden, normalizeReference } from '@passerelle/fhir';
import { agencyKindOf } from '@passerelle/identity';
import { type Db, HUB_AGENCY, type WriteHook } from '@passerelle/store';
import { actorMatch, allOf, anyOf, type Match } from '../conditions';
import { isPrivacyConsent } from '../privacy-consent';
import type { AgencyKind } from '../types';

/** The agency recording a Consent, as the actor conditions see it. */
export interface Recorder {
  agency: string;
  agencyKind: AgencyKind;
}

/**
 * Whether a permit in this Consent would disclose to its recorder: a permit provision (at any
 * depth) whose actor conditions, its ancestors' included, surely take in the recorder — naming
 * it, its kind, or nobody at all. A permit whose actors the hub cannot place (a practitioner,
 * say) discloses to no agency, so it does not count.
 */
export function grantsItself(consent: Consent, recorder: Recorder): boolean {
  const walk = (p: ConsentProvision, ancestors: readonly ConsentProvision[]): boolean => {
    const chain = [...ancestors, p];
    if (p.type === 'permit' && actorsTakeIn(chain, recorder) === 'yes') return true;
    return (p.provision ?? []).some((nested) => walk(nested, chain));
  };
  return consent.provision !== undefined && walk(consent.provision, []);
}

function actorsTakeIn(chain: readonly ConsentProvision[], recorder: Recorder): Match {
  return allOf(
    chain
      .filter((p) => (p.actor ?? []).length > 0)
      .map((p) => anyOf((p.actor ?? []).map((a) => actorMatch(a, recorder)))),
  );
}

/**
 * For `FhirRepository`'s `afterWrite`, after the care relationships are refreshed: an agency
 * records a patient's Consent only about a person it holds (a care relationship), and never a
 * permit that would disclose to itself — the patient's permissions reach the hub through another
 * agency or through the paper form the mailroom records (written by the hub). Refusing here
 * rolls the whole write back (403).
 */
export const checkConsentAuthorship: WriteHook = async (db, _actor, written) => {
  for (const row of written) {
    if (row.type !== 'Consent' || row.deleted || row.content === null || row.sourceAgency === HUB_AGENCY)
      continue;
    const consent = JSON.parse(row.content) as Consent;
    if (!isPrivacyConsent(consent)) continue;
    const patient = consent.patient?.reference && normalizeReference(consent.patient.reference);
    const patientId = patient?.startsWith('Patient/') ? patient.slice('Patient/'.length) : undefined;
    if (!patientId || !(await holdsPerson(db, row.sourceAgency, patientId)))
      throw forbidden('A patient-privacy Consent may be recorded only by an agency that holds the patient');
    const agencyKind = await agencyKindOf(db, row.sourceAgency);
    if (!agencyKind || grantsItself(consent, { agency: row.sourceAgency, agencyKind }))
      throw forbidden(
        'A Consent permit that would disclose to the agency recording it is refused: the patient ' +
          "gives it through another agency, or on the hub's paper consent form",
      );
  }
};

/** Whether `agency` has a care relationship with any record of the person of `patientId`. */
export async function holdsPerson(db: Db, agency: string, patientId: string): Promise<boolean> {
  const rows: { held: boolean }[] = await db.query(
    `SELECT EXISTS (
       SELECT 1 FROM care_relationship c
        WHERE c.agency = $2 AND c.patient_id = ANY(
          SELECT $1 UNION ALL
          SELECT other.patient_id FROM mpi_link self
            JOIN mpi_link other ON other.person_id = self.person_id AND other.active
           WHERE self.patient_id = $1 AND self.active)) AS held`,
    [patientId, agency],
  );
  return rows[0]?.held === true;
}
