import type { CodeableConcept, Coding, FhirResource, Identifier, Meta, Reference } from 'fhir/r4';
import { localIdentifier, type LocalKind } from './identifiers';
import type { Random } from './random';
import { SECURITY_LABELS, SNOMED } from './terminology';
import { formatDateTime, localDate } from './time';
import type { AgencyIdentity, Country, SensitiveTheme, SyntheticEntry } from './types';

/** What every clinical generator needs: the record's streams, links and the entry list. */
export class RecordContext {
  readonly entries: SyntheticEntry[] = [];
  private readonly counters = new Map<LocalKind, number>();

  constructor(
    readonly rng: Random,
    private readonly uuids: Random,
    readonly country: Country,
    readonly agency: AgencyIdentity,
    /** Prefix of this record's local identifier values. */
    readonly key: string,
    readonly birthDate: string,
    readonly age: number,
    readonly theme: SensitiveTheme | undefined,
  ) {}

  get language(): 'fr' | 'en' {
    return this.country === 'FR' ? 'fr' : 'en';
  }

  /** Adds a resource to the record and returns the reference to it (its urn:uuid). */
  add(resource: FhirResource, shared = false, display?: string): Reference {
    const fullUrl = `urn:uuid:${this.uuids.uuid()}`;
    this.entries.push({ fullUrl, resource, shared });
    return display === undefined ? { reference: fullUrl } : { reference: fullUrl, display };
  }

  /** The next agency-local identifier of a kind: `<key>-1`, `<key>-2` ... */
  nextIdentifier(kind: LocalKind): Identifier {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return localIdentifier(this.agency, kind, `${this.key}-${n}`);
  }

  dateTime(utcMs: number): string {
    return formatDateTime(utcMs, this.country);
  }

  date(utcMs: number): string {
    return localDate(utcMs, this.country);
  }

  /** SNOMED CT concept with the record's language as text. */
  snomed(code: string, display: string, fr: string): CodeableConcept {
    return concept({ system: SNOMED, code, display }, this.language === 'fr' ? fr : display);
  }
}

export function concept(coding: Coding, text?: string): CodeableConcept {
  return text === undefined ? { coding: [coding] } : { coding: [coding], text };
}

/** meta.security of a sensitive resource: its topic, and `R` (restricted) where asked. */
export function securityMeta(theme: SensitiveTheme, restricted: boolean): Meta {
  const security = [{ ...SECURITY_LABELS[theme] }];
  if (restricted) security.push({ ...SECURITY_LABELS.R });
  return { security };
}
