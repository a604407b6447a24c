import type { Resource } from 'fhir/r4';
import {
  type SearchQuery,
  type SupportedType,
  extractSearchValues,
  multipleMatches,
  OperationOutcomeError,
  outcome,
  parseReference,
  referenceExpression,
  referencesOf,
  replaceReferences,
} from '@passerelle/fhir';
import type { FhirRepository } from '../fhir-repository';
import type { Db } from '../sql/resource-sql';
import type { Actor } from '../types';
import { matchAll } from './conditional-batch';
import { parseQueryString } from './entry-request';
import { isBundleLocal, unresolvedReference } from './references';

/** What a conditional reference resolved to; an error is thrown where the reference stands. */
type Resolution = { target: string } | { matches: 0 | 2 } | { error: unknown };

/** A resource this Bundle writes, as a possible target of the Bundle's own conditional references. */
export interface BundleTarget {
  type: string;
  id: string;
  resource: Resource;
}

/**
 * Resolves the conditional references (`Type?criteria`) among `references` to the one resource
 * each matches, among this Bundle's own writes (identifier tokens) and the stored resources the
 * caller sent or directory data. All of them at once: one query per type, not one per reference.
 */
export async function resolveConditionalReferences(
  repo: FhirRepository,
  db: Db,
  actor: Actor,
  references: Iterable<string>,
  targets: readonly BundleTarget[],
): Promise<Map<string, Resolution>> {
  const out = new Map<string, Resolution>();
  const asked: { reference: string; type: string; criteria: SearchQuery; query: SearchQuery }[] = [];
  for (const reference of references) {
    const parsed = parseReference(reference);
    if (parsed.kind !== 'conditional' || out.has(reference)) continue;
    try {
      const criteria = repo.parseQuery(parsed.type as SupportedType, parseQueryString(parsed.query), true);
      // Resolved among the caller's own resources and shared directory data only.
      const query: SearchQuery = {
        ...criteria,
        filters: [
          ...criteria.filters,
          { kind: 'provenance', agency: actor.agency, scope: 'own-or-directory' },
        ],
      };
      asked.push({ reference, type: parsed.type, criteria, query });
      out.set(reference, { matches: 0 });
    } catch (error) {
      // Thrown where the reference stands, as if it had been resolved there.
      out.set(reference, { error });
    }
  }
  if (asked.length === 0) return out;
  const stored = await matchAll(
    repo,
    db,
    asked.map((a) => a.query),
  );
  const tokenCache = new Map<BundleTarget, Set<string>>();
  const tokensOf = (t: BundleTarget) => {
    let tokens = tokenCache.get(t);
    if (!tokens) {
      tokens = new Set(extractSearchValues(t.type as SupportedType, t.resource).tokens);
      tokenCache.set(t, tokens);
    }
    return tokens;
  };
  asked.forEach((a, i) => {
    const candidates = new Set<string>();
    const tokenFilters = a.criteria.filters.flatMap((f) => (f.kind === 'token' ? [f] : []));
    if (tokenFilters.length === a.criteria.filters.length && tokenFilters.length > 0) {
      for (const t of targets) {
        if (t.type !== a.type) continue;
        const tokens = tokensOf(t);
        if (tokenFilters.every((f) => f.keys.some((k) => tokens.has(k)))) candidates.add(t.id);
      }
    }
    for (const s of stored[i]) candidates.add(s.id);
    out.set(
      a.reference,
      candidates.size === 1
        ? { target: `${a.type}/${[...candidates][0]}` }
        : { matches: candidates.size === 0 ? 0 : 2 },
    );
  });
  return out;
}

/**
 * Rewrites a resource's references: a fullUrl of this Bundle to `Type/id`, a conditional
 * reference to what it resolved to. An unresolvable one fails, naming where it stands.
 */
export function rewriteResolved(
  resource: Resource,
  expressionRoot: string,
  byFullUrl: ReadonlyMap<string, string>,
  resolutions: ReadonlyMap<string, Resolution>,
): Promise<void> {
  return replaceReferences(resource, (reference, site) => {
    const local = byFullUrl.get(reference);
    if (local) return local;
    const expression = referenceExpression(expressionRoot, site);
    if (isBundleLocal(reference)) return unresolvedReference(expression);
    return resolved(reference, expression, resolutions);
  });
}

/**
 * A single write's conditional references (`Patient?identifier=…`), resolved as a batch entry's
 * are: among the writer's own resources and directory data; one that matches nothing or several
 * fails, naming where it stands. There is no Bundle: every other reference is left as it is.
 */
export async function resolveSingleWrite(
  repo: FhirRepository,
  db: Db,
  actor: Actor,
  resource: Resource,
  expressionRoot: string,
): Promise<void> {
  const references = [...new Set(referencesOf(resource))].filter(
    (r) => parseReference(r).kind === 'conditional',
  );
  if (references.length === 0) return;
  const resolutions = await resolveConditionalReferences(repo, db, actor, references, []);
  await replaceReferences(resource, (reference, site) =>
    resolved(reference, referenceExpression(expressionRoot, site), resolutions),
  );
}

function resolved(
  reference: string,
  expression: string,
  resolutions: ReadonlyMap<string, Resolution>,
): string | undefined {
  const resolution = resolutions.get(reference);
  if (!resolution) return undefined;
  if ('target' in resolution) return resolution.target;
  if ('error' in resolution) throw resolution.error;
  if (resolution.matches === 0) {
    throw new OperationOutcomeError(
      412,
      outcome('error', 'not-found', 'Conditional reference matches no resource', [expression]),
    );
  }
  throw multipleMatches('Conditional reference matches more than one resource');
}
