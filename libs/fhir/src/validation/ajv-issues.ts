import type { ErrorObject } from 'ajv';
import type { OperationOutcomeIssue } from 'fhir/r4';
import { REDACTED_NAME, pointerToExpression, safeElementName } from './fhir-path';

/**
 * Turns ajv errors into OperationOutcome issues a person can act on. Diagnostics name elements
 * and what the schema expects; never the offending value, which is patient data (ajv runs
 * without `verbose`, so errors do not even carry it).
 */
export type ExpectedForPattern = (pattern: string) => string | undefined;

type Code = 'structure' | 'required' | 'value';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array (this element repeats)',
};
const MAX_LISTED_CODES = 10;

export function ajvErrorToIssue(
  error: ErrorObject,
  root: string,
  expectedFor: ExpectedForPattern,
): OperationOutcomeIssue {
  const at = pointerToExpression(root, error.instancePath);
  const params: Record<string, unknown> = error.params;
  const issue = (code: Code, diagnostics: string, expression = at): OperationOutcomeIssue => ({
    severity: 'error',
    code,
    diagnostics,
    expression: [expression],
  });
  switch (error.keyword) {
    case 'required':
    case 'fhirRequired': {
      const name = String(params['missingProperty']);
      return issue('required', `Missing required element '${name}'`, `${at}.${name}`);
    }
    case 'additionalProperties': {
      const name = safeElementName(String(params['additionalProperty']));
      const what =
        name === REDACTED_NAME ? 'Unknown element with an invalid name' : `Unknown element '${name}'`;
      return issue('structure', `${what}: not part of this FHIR R4 type`, `${at}.${name}`);
    }
    case 'type': {
      const types = ([] as unknown[]).concat(params['type']).map((t) => TYPE_NAMES[String(t)] ?? String(t));
      return issue('structure', `Wrong type: expected ${types.join(' or ')}`);
    }
    case 'pattern': {
      const expected = expectedFor(String(params['pattern']));
      return issue(
        'value',
        expected === undefined ? 'Invalid value format' : `Invalid value: expected ${expected}`,
      );
    }
    case 'enum': {
      const codes = Array.isArray(params['allowedValues']) ? params['allowedValues'].map(String) : [];
      const listed = codes.slice(0, MAX_LISTED_CODES).join(', ');
      const more = codes.length > MAX_LISTED_CODES ? ` and ${codes.length - MAX_LISTED_CODES} more` : '';
      return issue('value', `Invalid code: expected one of ${listed}${more}`);
    }
    case 'const':
      return issue('value', `Invalid value: expected '${String(params['allowedValue'])}'`);
    case 'minimum':
      return issue('value', `Invalid value: the minimum is ${String(params['limit'])}`);
    case 'maximum':
      return issue('value', `Invalid value: the maximum is ${String(params['limit'])}`);
    case 'fhirBase64':
      return issue('value', 'Invalid value: expected base64 (A-Z, a-z, 0-9, +, /, padded with =)');
    case 'fhirCalendarDate':
      return issue('value', 'Invalid date: that day does not exist in that month');
    case 'fhirResourceType':
      return issue('value', 'Unknown or unsupported resource type');
    case 'fhirContainedNesting':
      return issue('structure', 'A contained resource must not contain other resources (dom-2)');
    default:
      return issue('structure', `Invalid content (${error.keyword} rule)`);
  }
}
