import type { Consent, ConsentProvision, Reference } from 'fhir/r4';
import { normalizeReference, type SupportedType } from '@passerelle/fhir';
import {
  type Actor,
  type Db,
  type FhirRepository,
  parseStored,
  type StoredResource,
} from '@passerelle/store';
import { isPrivacyConsent } from './privacy-consent';
import { careAgenciesOf } from './relationships/care-relationships';
import type { PatientConsents } from './types';

/** Where the decision's consents come from: the store in the hub, a fixed list in tests. */
export interface ConsentSource {
  /** The person's records (`patientId` first) and the active privacy consents about any of them. */
  consentsFor(db: Db, patientId: string): Promise<PatientConsents>;
  /** Optional: `consentsFor` of many patients in one round trip, keyed by patient id. */
  consentsForMany?(db: Db, patientIds: readonly string[]): Promise<Map<string, PatientConsents>>;
  /**
   * Optional: the current row and its person's consents in one round trip; `consents` left out
   * when `agency` needs none to decide on the row (its own data, directory data). Its
   * `careAgencies` may answer for `agency` alone.
   */
  readWithConsents?(
    db: Db,
    agency: string,
    type: SupportedType,
    id: string,
  ): Promise<{ stored?: StoredResource; consents?: PatientConsents }>;
  /**
   * Optional: how many `readWithConsents` decided on a person's input held in memory, and how
   * many read it again (it had changed, or was not held), since the process started.
   */
  readonly inputs?: ConsentInputCounts;
}

export interface ConsentInputCounts {
  held: number;
  read: number;
}

/** The hub reading consents for its own decisions: never a caller's read, never audited as one. */
export const CONSENT_READER: Actor = { agency: 'hub', requestId: 'consent' };

/**
 * Reads `Consent?patient=Patient/<each linked record>&status=active` from the store, every page,
 * on the caller's connection (so a decision inside a transaction sees that transaction).
 */
export class StoreConsentSource implements ConsentSource {
  constructor(
    private readonly repo: FhirRepository,
    private readonly linkedPatients: (db: Db, patientId: string) => Promise<string[]>,
  ) {}

  async consentsFor(db: Db, patientId: string): Promise<PatientConsents> {
    const patientIds = [...new Set([patientId, ...(await this.linkedPatients(db, patientId))])];
    const consents: Consent[] = [];
    let pageToken: string | undefined;
    do {
      const query = this.repo.parseQuery(
        'Consent',
        {
          patient: patientIds.map((id) => `Patient/${id}`).join(','),
          status: 'active',
          _total: 'none',
          _count: String(this.repo.options.maxCount),
          ...(pageToken === undefined ? {} : { _page: pageToken }),
        },
        true,
      );
      // Internal: the hub reads consents to decide; they are never a caller's read.
      const page = await this.repo.internal.search(query, db);
      for (const { stored, mode } of page.entries) {
        if (mode === 'match' && !stored.deleted) consents.push(parseStored<Consent>(stored));
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    const bases = this.repo.options.localBases;
    return {
      patientIds,
      consents: consents.filter(isPrivacyConsent).map((c) => withLocalReferences(c, bases)),
      careAgencies: await careAgenciesOf(db, patientIds),
    };
  }
}

/**
 * The rules compare relative references (`Patient/x`, `Organization/y`); the store also accepts
 * this hub's absolute URLs, so those are made relative here rather than silently not matching.
 */
export function withLocalReferences(consent: Consent, localBases: readonly string[]): Consent {
  const local = (ref: Reference): Reference =>
    ref.reference === undefined
      ? ref
      : { ...ref, reference: normalizeReference(ref.reference, localBases) ?? ref.reference };
  const provision = (p: ConsentProvision): ConsentProvision => ({
    ...p,
    ...(p.actor && { actor: p.actor.map((a) => ({ ...a, reference: local(a.reference) })) }),
    ...(p.data && { data: p.data.map((d) => ({ ...d, reference: local(d.reference) })) }),
    ...(p.provision && { provision: p.provision.map(provision) }),
  });
  return {
    ...consent,
    ...(consent.patient && { patient: local(consent.patient) }),
    ...(consent.provision && { provision: provision(consent.provision) }),
  };
}
