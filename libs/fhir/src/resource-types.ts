import type { FhirResource } from 'fhir/r4';
import {
  HUB_WRITTEN_TYPES,
  NOT_STORED,
  PATIENT_COMPARTMENT_PARAMS,
  STORED_TYPES,
} from './resource-types.generated';

/**
 * The resource types the hub stores and serves: every concrete R4 type but those that make no
 * sense for a sharing hub (NOT_STORED, docs/resource-types.md), generated from the official
 * definitions by scripts/generate-resource-types.mjs. AuditEvent is read/search only: the
 * server writes it.
 */
export const SUPPORTED_TYPES = STORED_TYPES satisfies readonly FhirResource['resourceType'][];

export type SupportedType = (typeof SUPPORTED_TYPES)[number];

/** Types clients may not create, update or delete. */
export const READ_ONLY_TYPES: ReadonlySet<SupportedType> = new Set<SupportedType>(HUB_WRITTEN_TYPES);

const supported: ReadonlySet<string> = new Set(SUPPORTED_TYPES);

export function isSupportedType(value: string): value is SupportedType {
  return supported.has(value);
}

/**
 * Types in no patient's compartment that are nevertheless never shared as directory data: seen by
 * the agency that sent them only. A `Binary` is raw content (a scanned letter, a PDF report) whose
 * patient the hub cannot tell (its `securityContext` names another resource): deny by default.
 * The consent check (decide's rule 0) and the store's SQL mirror of it both read this list.
 */
export const SENDER_ONLY_TYPES: readonly SupportedType[] = ['Binary'];

/** Why an R4 type is not stored, or undefined when it is stored or is no R4 type at all. */
export function notStoredReason(value: string): string | undefined {
  return Object.hasOwn(NOT_STORED, value) ? NOT_STORED[value] : undefined;
}

/**
 * The search parameters that place a `type` in a patient's compartment (the official Patient
 * CompartmentDefinition), in order; empty for directory types and for Patient, which is its own.
 */
export function patientCompartmentParams(type: SupportedType): readonly string[] {
  return Object.hasOwn(PATIENT_COMPARTMENT_PARAMS, type) ? PATIENT_COMPARTMENT_PARAMS[type] : [];
}

/** Whether resources of `type` may belong to a patient (Patient included). */
export function inPatientCompartment(type: SupportedType): boolean {
  return type === 'Patient' || patientCompartmentParams(type).length > 0;
}

/** FHIR R4 id: 1 to 64 of [A-Za-z0-9-.]. */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
