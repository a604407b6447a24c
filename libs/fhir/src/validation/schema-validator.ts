import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { OperationOutcomeIssue } from 'fhir/r4';
import { ajvErrorToIssue } from './ajv-issues';
import { createFhirAjv } from './fhir-ajv';
import { scanElements } from './element-scan';
import { FHIR_SCHEMA_ID, type LoadedFhirSchema, loadFhirSchema } from './fhir-schema';
import { FHIR_TABLES } from './fhir-tables.generated';

export interface FhirSchemaValidatorOptions {
  /** Deepest nesting (objects + arrays) validated; deeper gets one issue, never a stack overflow. */
  readonly maxDepth?: number;
  /** Issues reported at most, the last one saying how many more there were. */
  readonly maxIssues?: number;
}

const DEFAULT_MAX_DEPTH = 100;
const DEFAULT_MAX_ISSUES = 20;
const TYPE_NAME = /^[A-Z][A-Za-z]{0,63}$/;
const CONTAINED_ITEM = /\/contained\/\d+$/;

interface Engine {
  readonly ajv: Ajv;
  readonly loaded: LoadedFhirSchema;
}

/**
 * Validates resources against the official FHIR R4 JSON schema (see fhir-schema.ts for what is
 * adapted) plus the rules it cannot state (element-scan.ts). The schema is read on first use
 * and each resource type compiled on first use, then cached for the life of the process.
 */
export class FhirSchemaValidator {
  private readonly maxDepth: number;
  private readonly maxIssues: number;
  private readonly resourceTypes: ReadonlySet<string> = new Set(FHIR_TABLES.resourceTypes);
  private readonly validators = new Map<string, ValidateFunction>();
  private engine: Engine | undefined;

  constructor(options: FhirSchemaValidatorOptions = {}) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxIssues = options.maxIssues ?? DEFAULT_MAX_ISSUES;
    // At least 2 issues: one error and the note counting the others.
    if (
      !Number.isInteger(this.maxDepth) ||
      this.maxDepth < 1 ||
      !Number.isInteger(this.maxIssues) ||
      this.maxIssues < 2
    ) {
      throw new RangeError('maxDepth must be a positive integer and maxIssues an integer of at least 2');
    }
  }

  /** Whether `type` is an R4 resource type (Medplum's own types in the schema file are not). */
  isResourceType(type: string): boolean {
    return this.resourceTypes.has(type);
  }

  /** Compiles the given types now, e.g. at start-up, instead of on their first request. */
  warmUp(types: readonly string[]): void {
    for (const type of types) this.validatorFor(type);
  }

  /** Issues found in `resource`; an empty array when it is valid. */
  validate(resource: unknown): OperationOutcomeIssue[] {
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
      return [issue('structure', 'A resource must be a JSON object')];
    }
    const type: unknown = (resource as Record<string, unknown>)['resourceType'];
    if (type === undefined) return [issue('required', "Missing required element 'resourceType'", 'Resource')];
    if (typeof type !== 'string') {
      return [issue('structure', 'Wrong type: resourceType must be a string', 'Resource')];
    }
    if (!this.isResourceType(type)) {
      const named = TYPE_NAME.test(type) ? ` '${type}'` : '';
      return [issue('value', `Unknown resource type${named}`, 'Resource')];
    }

    const scan = scanElements(resource, type, this.maxDepth, this.maxIssues);
    if (scan.tooDeep) return [issue('structure', `Elements are nested deeper than ${this.maxDepth}`, type)];
    const validate = this.validatorFor(type);
    const errors = validate(resource) ? [] : (validate.errors ?? []);

    const issues = [...scan.issues];
    let overflow = scan.overflow;
    const seen = new Set(issues.map(issueKey));
    const expectedFor = this.loadEngine().loaded.primitives.expectedFor;
    for (const error of errors) {
      // Already said by the scan: a null's type error, an empty string's pattern error ...
      if (scan.allowedNulls.has(error.instancePath) || isAtOrBelow(error.instancePath, scan.reported)) {
        continue;
      }
      const found = ajvErrorToIssue(error, type, expectedFor);
      const key = issueKey(found);
      if (seen.has(key)) continue;
      seen.add(key);
      if (issues.length < this.maxIssues) issues.push(found);
      else overflow++;
    }
    if (overflow > 0) {
      issues.splice(this.maxIssues - 1);
      const hidden = overflow + 1;
      issues.push({
        severity: 'information',
        code: 'informational',
        diagnostics: `${hidden} more issues not shown`,
      });
    }
    return issues;
  }

  private validatorFor(type: string): ValidateFunction {
    let validate = this.validators.get(type);
    if (validate === undefined) {
      if (!this.isResourceType(type)) throw new Error(`Not an R4 resource type: ${type}`);
      validate = this.loadEngine().ajv.compile({ $ref: `${FHIR_SCHEMA_ID}#/definitions/${type}` });
      this.validators.set(type, validate);
    }
    return validate;
  }

  /** Errors of a resource nested in another, located from the outer resource's root. */
  private validateNested(data: unknown, pointer: string): Partial<ErrorObject>[] {
    // Not an object or no string resourceType: the light ResourceList schema reports it.
    if (typeof data !== 'object' || data === null) return [];
    const nested = data as Record<string, unknown>;
    const type = nested['resourceType'];
    if (typeof type !== 'string') return [];
    if (!this.isResourceType(type)) {
      return [{ keyword: 'fhirResourceType', instancePath: `${pointer}/resourceType`, params: {} }];
    }
    const errors: Partial<ErrorObject>[] = [];
    if (CONTAINED_ITEM.test(pointer) && nested['contained'] !== undefined) {
      errors.push({ keyword: 'fhirContainedNesting', instancePath: `${pointer}/contained`, params: {} });
    }
    const validate = this.validatorFor(type);
    if (!validate(nested)) {
      for (const e of validate.errors ?? []) errors.push({ ...e, instancePath: pointer + e.instancePath });
    }
    return errors;
  }

  private loadEngine(): Engine {
    if (this.engine === undefined) {
      const loaded = loadFhirSchema(FHIR_TABLES);
      const ajv = createFhirAjv((data, pointer) => this.validateNested(data, pointer));
      // Checking 3.5 MB of schema against the meta-schema costs ~90 ms per process start; the
      // spec does it once (fhir-schema.spec.ts) instead.
      ajv.addSchema(loaded.schema, undefined, undefined, false);
      this.engine = { ajv, loaded };
    }
    return this.engine;
  }
}

let shared: FhirSchemaValidator | undefined;

/** The process-wide validator: compiled validators are kept across requests. */
export function getFhirSchemaValidator(): FhirSchemaValidator {
  shared ??= new FhirSchemaValidator();
  return shared;
}

function issue(
  code: 'structure' | 'required' | 'value',
  diagnostics: string,
  expression?: string,
): OperationOutcomeIssue {
  const found: OperationOutcomeIssue = { severity: 'error', code, diagnostics };
  if (expression !== undefined) found.expression = [expression];
  return found;
}

function issueKey(i: OperationOutcomeIssue): string {
  return `${i.code}|${i.expression?.join(',') ?? ''}|${i.diagnostics ?? ''}`;
}

function isAtOrBelow(pointer: string, reported: readonly string[]): boolean {
  return reported.some((r) => pointer === r || pointer.startsWith(`${r}/`));
}
