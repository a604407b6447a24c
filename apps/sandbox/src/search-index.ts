import {
  deepClone,
  evalFhirPath,
  type FhirPathAtom,
  type Filter,
  globalSchema,
  matchesSearchRequest,
  Operator,
  parseFhirPath,
  type SearchRequest,
  type SortRule,
  toPeriod,
  type WithId,
} from '@medplum/core';
import type { Bundle, Identifier, Resource } from '@medplum/fhirtypes';

/**
 * The current version of every resource, kept beside MemoryRepository's own maps so that a
 * search looks at fewer resources. MemoryRepository re-parses the search parameter's FHIRPath
 * for every resource it tests (0.7 ms for `identifier`), so a conditional update on a server of
 * a few thousand resources took seconds. Which resources match is still decided by Medplum's
 * `matchesSearchRequest`; the index only skips resources that cannot match:
 * - `identifier=<system>|<value>`: only the resources carrying that identifier (found with the
 *   type's own `identifier` expression, e.g. DocumentReference.masterIdentifier too);
 * - `_lastUpdated=gt|ge<instant>`: decided on the lastUpdated string, as Medplum decides it
 *   (both sides as full ISO instants), instead of a FHIRPath evaluation per resource.
 * Resources are kept in order of their last write, which (see SandboxRepository) is the order
 * of `meta.lastUpdated`.
 */
export class SearchIndex {
  private readonly current = new Map<string, Map<string, WithId<Resource>>>();
  /** type → `system|value` lowercased, as Medplum compares tokens → ids */
  private readonly identifiers = new Map<string, Map<string, Set<string>>>();
  private readonly expressions = new Map<string, FhirPathAtom | undefined>();

  put(resource: WithId<Resource>): void {
    this.remove(resource.resourceType, resource.id);
    let byId = this.current.get(resource.resourceType);
    if (byId === undefined)
      this.current.set(resource.resourceType, (byId = new Map<string, WithId<Resource>>()));
    byId.set(resource.id, resource);
    for (const key of this.identifierKeys(resource)) {
      let byKey = this.identifiers.get(resource.resourceType);
      if (byKey === undefined)
        this.identifiers.set(resource.resourceType, (byKey = new Map<string, Set<string>>()));
      let ids = byKey.get(key);
      if (ids === undefined) byKey.set(key, (ids = new Set()));
      ids.add(resource.id);
    }
  }

  remove(type: string, id: string): void {
    const previous = this.current.get(type)?.get(id);
    if (previous === undefined) return;
    this.current.get(type)?.delete(id);
    for (const key of this.identifierKeys(previous)) this.identifiers.get(type)?.get(key)?.delete(id);
  }

  clear(): void {
    this.current.clear();
    this.identifiers.clear();
  }

  /** MemoryRepository's search (filters, sort rules applied in turn, offset, count, total). */
  search<T extends Resource>(request: SearchRequest<T>): Bundle<WithId<T>> {
    const { bounds, rest } = lastUpdatedBounds(request);
    // An `identifier=<system>|<value>` filter is decided by the index itself (candidates): the
    // same values, compared as Medplum compares them (system and value lowercased), so Medplum
    // is not asked again (it evaluates the 40-type `identifier` expression on every candidate).
    // Only when it is the one `identifier` filter: with others, Medplum decides them all.
    const decided =
      identifierKey(request) !== undefined &&
      rest.filters?.filter((f) => f.code === 'identifier').length === 1;
    const unanswered = decided
      ? { ...rest, filters: rest.filters?.filter((f) => f.code !== 'identifier') }
      : rest;
    const matched: WithId<Resource>[] = [];
    for (const resource of this.candidates(request)) {
      const lastUpdated = resource.meta?.lastUpdated ?? '';
      if (bounds.some((bound) => !bound(lastUpdated))) continue;
      if (matchesSearchRequest(resource, unanswered)) matched.push(resource);
    }
    let sorted = matched;
    for (const rule of request.sortRules ?? []) sorted = this.sort(sorted, request.resourceType, rule);
    const start = request.offset ?? 0;
    const page = sorted.slice(start, request.count === undefined ? undefined : start + request.count);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      entry:
        page.length > 0
          ? page.map((resource) => ({ resource: deepClone(resource) as WithId<T> }))
          : undefined,
      total: matched.length,
    };
  }

  private candidates(request: SearchRequest): Iterable<WithId<Resource>> {
    const byId = this.current.get(request.resourceType) ?? new Map<string, WithId<Resource>>();
    const key = identifierKey(request);
    if (key === undefined) return byId.values();
    const ids = this.identifiers.get(request.resourceType)?.get(key) ?? new Set<string>();
    return [...ids].flatMap((id) => byId.get(id) ?? []);
  }

  /** Medplum's sort comparator (JSON of the FHIRPath values, localeCompare), keys computed once. */
  private sort(resources: WithId<Resource>[], type: string, rule: SortRule): WithId<Resource>[] {
    const sign = rule.descending === true ? -1 : 1;
    if (rule.code === '_lastUpdated') {
      // Same order as Medplum's comparator on these instants (one format), without FHIRPath.
      const at = (r: Resource) => r.meta?.lastUpdated ?? '';
      return [...resources].sort((a, b) => (at(a) < at(b) ? -sign : at(a) > at(b) ? sign : 0));
    }
    const expression = globalSchema.types[type]?.searchParams?.[rule.code]?.expression;
    if (expression === undefined) return resources;
    const atom = parseFhirPath(expression);
    const keyed = resources.map((resource) => ({
      resource,
      key: JSON.stringify(evalFhirPath(atom, resource)),
    }));
    keyed.sort((a, b) => a.key.localeCompare(b.key) * sign);
    return keyed.map((k) => k.resource);
  }

  private identifierKeys(resource: Resource): string[] {
    const atom = this.identifierExpression(resource.resourceType);
    if (atom === undefined) return [];
    return (evalFhirPath(atom, resource) as Identifier[]).flatMap((identifier) =>
      identifier.system !== undefined && identifier.value !== undefined
        ? [`${identifier.system.toLowerCase()}|${identifier.value.toLowerCase()}`]
        : [],
    );
  }

  private identifierExpression(type: string): FhirPathAtom | undefined {
    if (!this.expressions.has(type)) {
      const param = globalSchema.types[type]?.searchParams?.['identifier'];
      const expression = param?.type === 'token' ? param.expression : undefined;
      this.expressions.set(type, expression === undefined ? undefined : ownBranches(expression, type));
    }
    return this.expressions.get(type);
  }
}

/**
 * `identifier` is one search parameter shared by 40 resource types, its expression a union of
 * `<Type>.identifier` for each (1.4 ms to evaluate on one resource); the branches of the type
 * at hand give the same values (the others give nothing), in a fiftieth of the time.
 */
function ownBranches(expression: string, type: string): FhirPathAtom {
  const own = expression
    .split('|')
    .map((branch) => branch.trim())
    .filter((branch) => branch.startsWith(`${type}.`));
  const balanced = own.every((branch) => branch.split('(').length === branch.split(')').length);
  return parseFhirPath(own.length > 0 && balanced ? own.join(' | ') : expression);
}

const isIdentifierFilter = (f: Filter): boolean => f.code === 'identifier' && f.operator === Operator.EQUALS;

/** The `system|value` of a plain `identifier=` filter, lowercased; undefined when it is not one. */
function identifierKey(request: SearchRequest): string | undefined {
  const filter = request.filters?.find(isIdentifierFilter);
  if (filter === undefined) return undefined;
  const parts = filter.value.split('|');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '' || filter.value.includes(','))
    return undefined;
  return `${parts[0].toLowerCase()}|${parts[1].toLowerCase()}`;
}

/**
 * `_lastUpdated` gt/ge filters as tests on the resource's lastUpdated string, decided exactly as
 * Medplum decides them (gt: the resource's end after the bound's end; ge: its end at or after the
 * bound's start), and the request without them for Medplum to check the rest. A paged pull then
 * costs a string comparison per resource instead of a FHIRPath evaluation.
 */
function lastUpdatedBounds(request: SearchRequest): {
  bounds: ((lastUpdated: string) => boolean)[];
  rest: SearchRequest;
} {
  const bounds: ((lastUpdated: string) => boolean)[] = [];
  const filters = (request.filters ?? []).filter((filter) => {
    if (filter.code !== '_lastUpdated' || filter.value.includes(',')) return true;
    const period = toPeriod(filter.value);
    if (period?.start === undefined || period.end === undefined) return true;
    const { start, end } = period;
    if (filter.operator === Operator.GREATER_THAN) bounds.push((at) => instantEnd(at) > end);
    else if (filter.operator === Operator.GREATER_THAN_OR_EQUALS)
      bounds.push((at) => instantEnd(at) >= start);
    else return true;
    return false;
  });
  return { bounds, rest: { ...request, filters } };
}

/** The end of a lastUpdated as Medplum compares it: an ISO instant in UTC with milliseconds. */
function instantEnd(at: string): string {
  // What SandboxRepository writes (toISOString) is already in that form; none: never matches.
  if (at.endsWith('Z') && at.length === 24) return at;
  return at === '' ? '' : (toPeriod(at)?.end ?? '');
}
