/**
 * FHIRPath-style locations for OperationOutcome.issue.expression, e.g. `Patient.name[0].given`.
 *
 * Keys come from untrusted JSON: a key that is not a plausible element name is never echoed
 * (it could carry anything, patient data included), only a placeholder.
 */

const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{0,63}$/;

export const REDACTED_NAME = '(invalid name)';

/** The key itself when it looks like an element name, else a placeholder. */
export function safeElementName(key: string): string {
  return ELEMENT_NAME.test(key) ? key : REDACTED_NAME;
}

/** Root of an expression: the resource type when it looks like one, else FHIRPath's `$this`. */
export function rootName(value: unknown): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const type: unknown = (value as Record<string, unknown>)['resourceType'];
    if (typeof type === 'string' && RESOURCE_TYPE.test(type)) return type;
  }
  return '$this';
}

/** Appends one step: an array index as `[n]`, an object key as `.name`. */
export function appendStep(path: string, step: string | number): string {
  return typeof step === 'number' ? `${path}[${step}]` : `${path}.${safeElementName(step)}`;
}

/**
 * Converts an ajv instancePath (JSON pointer, `/name/0/given`) to `Patient.name[0].given`.
 * A numeric segment is an array index: FHIR element names never start with a digit, and an
 * object key that does is reported as unknown at its parent, never descended into.
 */
export function pointerToExpression(root: string, pointer: string): string {
  if (pointer === '') return root;
  let path = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^(0|[1-9][0-9]*)$/.test(segment) ? `${path}[${segment}]` : appendStep(path, segment);
  }
  return path;
}
