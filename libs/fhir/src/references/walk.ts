/**
 * Walking a resource's references. A reference is any object with a string `reference` (a
 * `Reference`, including one nested in another, such as `identifier.assigner`): a generic walk
 * finds every one of them in every resource type, extensions included, without type tables.
 */

/** One element holding a reference, and where it sits. */
export interface ReferenceSite {
  /** The element (a `Reference`); change it in place to rewrite the reference. */
  element: Record<string, unknown> & { reference: string };
  /** The object or array holding the element. */
  parent: Record<string, unknown> | unknown[];
  /** The element's key (or index) in `parent`. */
  key: string | number;
  /** Keys and indexes from the resource down to the element. */
  path: readonly (string | number)[];
}

export interface WalkOptions {
  /** Leave out the references of contained resources: any `contained` key (default: include them). */
  skipContained?: boolean;
  /** Go no deeper than this many keys and indexes below the resource (default: no limit). */
  maxDepth?: number;
}

interface Frame {
  node: unknown;
  /** The frame of what holds this node, and the node's key in it (none for the resource). */
  up?: Frame;
  key?: string | number;
  depth: number;
}

/** Keys and indexes from the resource down to a frame's node. */
function pathOf(frame: Frame): (string | number)[] {
  const path: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.up) path.push(f.key);
  return path.reverse();
}

/**
 * Every element holding a string `reference` in `resource`, in document order (an element
 * before the references nested in it). The walk is iterative: no recursion on deep input.
 */
export function referenceSites(resource: object, options: WalkOptions = {}): ReferenceSite[] {
  const sites: ReferenceSite[] = [];
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const stack: Frame[] = [{ node: resource, depth: 0 }];
  const children: Frame[] = [];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { node, depth } = frame;
    if (depth > maxDepth || typeof node !== 'object' || node === null) continue;
    children.length = 0;
    if (Array.isArray(node)) {
      node.forEach((child, i) => children.push({ node: child, up: frame, key: i, depth: depth + 1 }));
    } else {
      const record = node as Record<string, unknown>;
      if (typeof record.reference === 'string' && frame.up !== undefined && frame.key !== undefined) {
        sites.push({
          element: record as ReferenceSite['element'],
          parent: frame.up.node as ReferenceSite['parent'],
          key: frame.key,
          path: pathOf(frame),
        });
      }
      for (const [k, v] of Object.entries(record)) {
        if (typeof v !== 'object' || v === null) continue;
        if (k === 'contained' && options.skipContained === true) continue;
        children.push({ node: v, up: frame, key: k, depth: depth + 1 });
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return sites;
}

/** Every `reference` string of `resource`, in document order (repeats kept). */
export function referencesOf(resource: object, options: WalkOptions = {}): string[] {
  return referenceSites(resource, options).map((site) => site.element.reference);
}

/**
 * Replaces each reference by what `replace` returns for it; undefined keeps it. `replace` may
 * be async (called one reference at a time, in document order) and may throw.
 */
export async function replaceReferences(
  resource: object,
  replace: (reference: string, site: ReferenceSite) => string | undefined | Promise<string | undefined>,
  options: WalkOptions = {},
): Promise<void> {
  for (const site of referenceSites(resource, options)) {
    const replacement = await replace(site.element.reference, site);
    if (replacement !== undefined) site.element.reference = replacement;
  }
}

/** The same, for a `replace` that answers at once. */
export function replaceReferencesSync(
  resource: object,
  replace: (reference: string, site: ReferenceSite) => string | undefined,
  options: WalkOptions = {},
): void {
  for (const site of referenceSites(resource, options)) {
    const replacement = replace(site.element.reference, site);
    if (replacement !== undefined) site.element.reference = replacement;
  }
}

/** A site's FHIRPath-like expression under `root`: `Observation.performer[0].reference`. */
export function referenceExpression(root: string, site: Pick<ReferenceSite, 'path'>): string {
  const steps = site.path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('');
  return `${root}${steps}.reference`;
}

/**
 * Removes the elements of `sites` from where they sit: an array item is spliced out, an object
 * key deleted. `sites` come from `referenceSites(resource)`, in its order (a subset is fine).
 * With `removeEmptied`, an array or object left empty goes too, and so on upwards (the resource
 * itself stays).
 */
export function removeSites(
  resource: object,
  sites: readonly ReferenceSite[],
  options: { removeEmptied?: boolean } = {},
): void {
  // Last in document order first: later items of an array go before earlier ones, and nested
  // elements before the ones holding them, so the paths still to remove stay valid.
  for (let s = sites.length - 1; s >= 0; s--) {
    const { element, parent, key, path } = sites[s];
    // Already gone with a holder that was left empty.
    if ((parent as Record<string | number, unknown>)[key] !== element) continue;
    removeAt(parent, key);
    if (options.removeEmptied !== true) continue;
    // Upwards while what held the removed element is left empty.
    for (let depth = path.length - 1; depth > 0; depth--) {
      const holder = nodeAt(resource, path.slice(0, depth));
      if (!isEmpty(holder)) break;
      const above = nodeAt(resource, path.slice(0, depth - 1));
      if (typeof above === 'object' && above !== null) removeAt(above, path[depth - 1]);
    }
  }
}

function removeAt(parent: object, key: string | number): void {
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<string | number, unknown>)[key];
}

/** What sits at `path` under `root`, or undefined when the path no longer leads anywhere. */
function nodeAt(root: object, path: readonly (string | number)[]): unknown {
  let node: unknown = root;
  for (const step of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node;
}

function isEmpty(node: unknown): boolean {
  if (Array.isArray(node)) return node.length === 0;
  return typeof node === 'object' && node !== null && Object.keys(node).length === 0;
}
