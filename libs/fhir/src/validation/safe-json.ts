import { badRequest, type OperationOutcomeError } from '../outcomes';
import { appendStep, rootName } from './fhir-path';

/**
 * JSON from agencies is hostile until proven otherwise. Keys that reach Object.prototype when a
 * value is later merged or spread are refused outright (FHIR has no element with these names),
 * and so is nesting deep enough to exhaust a recursive consumer's stack.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface ParseFhirJsonOptions {
  /** Deepest nesting of objects and arrays accepted; the top-level value counts as 1. */
  maxDepth: number;
}

/** Parses a request body. Errors are 400 OperationOutcomes that never quote the body. */
export function parseFhirJson(text: string, options: ParseFhirJsonOptions): unknown {
  checkMaxDepth(options.maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e: unknown) {
    // V8 parses iteratively today, but an engine may still give up on extreme nesting with a
    // RangeError: that is a too-deep body, not a crash. SyntaxError messages quote the input.
    if (e instanceof RangeError) throw tooDeep(options.maxDepth);
    throw badRequest('Request body is not valid JSON');
  }
  assertSafeJsonValue(value, options.maxDepth);
  return value;
}

interface Frame {
  readonly value: object;
  /** Containers from the top-level value down to this one, both included. */
  readonly depth: number;
  readonly parent: Frame | undefined;
  readonly step: string | number;
}

/**
 * The checks of parseFhirJson on a value parsed elsewhere (e.g. by Fastify). Iterative: the
 * walk itself must not be the thing that overflows the stack.
 */
export function assertSafeJsonValue(value: unknown, maxDepth: number): void {
  checkMaxDepth(maxDepth);
  if (typeof value !== 'object' || value === null) return;
  const stack: Frame[] = [{ value, depth: 1, parent: undefined, step: '' }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.depth > maxDepth) throw tooDeep(maxDepth);
    const depth = frame.depth + 1;
    if (Array.isArray(frame.value)) {
      const items: readonly unknown[] = frame.value;
      for (let i = items.length - 1; i >= 0; i--) {
        const item = items[i];
        if (typeof item === 'object' && item !== null)
          stack.push({ value: item, depth, parent: frame, step: i });
      }
      continue;
    }
    const record = frame.value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) {
        const path = pathOf(frame, rootName(value));
        throw badRequest(`Forbidden JSON key '${key}' in ${path}`, [path]);
      }
    }
    for (let k = keys.length - 1; k >= 0; k--) {
      const key = keys[k];
      const child = record[key];
      if (typeof child === 'object' && child !== null)
        stack.push({ value: child, depth, parent: frame, step: key });
    }
  }
}

function pathOf(frame: Frame, root: string): string {
  const steps: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = f.parent) steps.push(f.step);
  let path = root;
  for (let i = steps.length - 1; i >= 0; i--) path = appendStep(path, steps[i]);
  return path;
}

function tooDeep(maxDepth: number): OperationOutcomeError {
  return badRequest(`JSON nesting is deeper than ${maxDepth}`);
}

function checkMaxDepth(maxDepth: number): void {
  if (!Number.isInteger(maxDepth) || maxDepth < 1)
    throw new RangeError('maxDepth must be a positive integer');
}
