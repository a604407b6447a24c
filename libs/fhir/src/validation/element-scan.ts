import type { OperationOutcomeIssue } from 'fhir/r4';
import { appendStep } from './fhir-path';

/**
 * What the schema cannot say cheaply: FHIR JSON has no empty values. `""`, `[]`, `{}` and
 * `null` are invalid wherever they appear, except nulls that keep a primitive array aligned
 * with its `_` twin: `"given": ["Jo", null], "_given": [null, {"extension": [...]}]`.
 * The same iterative walk bounds the nesting depth, so the (recursive) schema validator never
 * sees a resource deep enough to overflow the stack.
 */
export interface ElementScan {
  readonly issues: OperationOutcomeIssue[];
  /** Issues found beyond the cap. */
  readonly overflow: number;
  /** JSON pointers of the reported values: schema errors at or below them repeat the issue. */
  readonly reported: readonly string[];
  /** JSON pointers of the nulls FHIR allows, which the schema (type checks) refuses. */
  readonly allowedNulls: ReadonlySet<string>;
  readonly tooDeep: boolean;
}

interface Frame {
  readonly value: object;
  readonly depth: number;
  readonly parent: Frame | undefined;
  readonly step: string | number;
}

const EMPTY_STRING = 'Empty string: FHIR does not allow empty values, leave the element out instead';
const EMPTY_ARRAY = 'Empty array: FHIR does not allow empty elements, leave the element out instead';
const EMPTY_OBJECT = 'Empty object: FHIR does not allow empty elements, leave the element out instead';
const NULL_VALUE = 'null is not allowed in FHIR JSON, leave the element out instead';
const NULL_ITEM =
  "null in an array is only allowed where the matching '_' array has extensions at that position";

export function scanElements(
  resource: object,
  root: string,
  maxDepth: number,
  maxIssues: number,
): ElementScan {
  const issues: OperationOutcomeIssue[] = [];
  const reported: string[] = [];
  const allowedNulls = new Set<string>();
  let overflow = 0;

  const report = (
    parent: Frame,
    step: string | number | undefined,
    diagnostics: string,
    code: 'structure' | 'value',
  ) => {
    if (issues.length >= maxIssues) {
      overflow++;
      return;
    }
    const steps = stepsTo(parent, step);
    reported.push(toPointer(steps));
    issues.push({ severity: 'error', code, diagnostics, expression: [toExpression(root, steps)] });
  };

  const stack: Frame[] = [{ value: resource, depth: 1, parent: undefined, step: '' }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.depth > maxDepth) return { issues, overflow, reported, allowedNulls, tooDeep: true };
    const depth = frame.depth + 1;
    const container = frame.value;
    const entries: [string | number, unknown][] = Array.isArray(container)
      ? container.map((item: unknown, i) => [i, item])
      : Object.entries(container);
    if (entries.length === 0 && !Array.isArray(container) && frame.parent !== undefined) {
      report(frame, undefined, EMPTY_OBJECT, 'structure');
    }
    const nested: Frame[] = [];
    for (const [step, child] of entries) {
      if (child === null) {
        if (typeof step === 'number' && nullAllowed(frame, step))
          allowedNulls.add(toPointer(stepsTo(frame, step)));
        else report(frame, step, typeof step === 'number' ? NULL_ITEM : NULL_VALUE, 'structure');
      } else if (child === '') {
        report(frame, step, EMPTY_STRING, 'value');
      } else if (Array.isArray(child) && child.length === 0) {
        report(frame, step, EMPTY_ARRAY, 'structure');
      } else if (typeof child === 'object') {
        nested.push({ value: child, depth, parent: frame, step });
      }
    }
    // Reversed so that the first child is visited first: issues come roughly in document order.
    for (let n = nested.length - 1; n >= 0; n--) stack.push(nested[n]);
  }
  return { issues, overflow, reported, allowedNulls, tooDeep: false };
}

/** `given[1]` may be null if `_given` is an array as long, with a value at index 1 (and vice versa). */
function nullAllowed(array: Frame, index: number): boolean {
  const owner = array.parent?.value as Record<string, unknown> | undefined;
  if (owner === undefined || typeof array.step !== 'string') return false;
  const twin = owner[array.step.startsWith('_') ? array.step.slice(1) : `_${array.step}`];
  const items = array.value as readonly unknown[];
  return (
    Array.isArray(twin) && twin.length === items.length && twin[index] !== null && twin[index] !== undefined
  );
}

function stepsTo(frame: Frame, last: string | number | undefined): (string | number)[] {
  const steps: (string | number)[] = last === undefined ? [] : [last];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = f.parent) steps.push(f.step);
  return steps.reverse();
}

function toPointer(steps: readonly (string | number)[]): string {
  return steps.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function toExpression(root: string, steps: readonly (string | number)[]): string {
  return steps.reduce<string>((path, step) => appendStep(path, step), root);
}
