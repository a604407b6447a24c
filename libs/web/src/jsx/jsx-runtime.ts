/**
 * The pages' JSX runtime (TypeScript's `jsxImportSource`): JSX becomes a string of HTML in which
 * every text and attribute value is escaped. Markup is only what the views write as elements;
 * `raw` is for the few trusted constants (the doctype). Type-checked by tsc, nothing to copy at
 * build time.
 */

/** A piece of HTML that is already safe to send. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Child = Html | string | number | boolean | null | undefined | readonly Child[];

type AttributeValue = string | number | boolean | null | undefined;
export type Attributes = { children?: Child } & Record<string, AttributeValue | Child>;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Trusted markup, as is. Never for anything that came from a request or the database. */
export function raw(trusted: string): Html {
  return new Html(trusted);
}

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);
const NAME = /^[a-zA-Z][a-zA-Z0-9-]*$/;
const ATTRIBUTE = /^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/;

function renderChild(child: Child): string {
  if (child === null || child === undefined || child === false || child === true) return '';
  if (child instanceof Html) return child.value;
  if (Array.isArray(child)) return (child as readonly Child[]).map(renderChild).join('');
  return escapeHtml(String(child));
}

function renderAttributes(props: Attributes): string {
  let out = '';
  for (const [name, value] of Object.entries(props)) {
    if (name === 'children' || value === undefined || value === null || value === false) continue;
    if (!ATTRIBUTE.test(name)) throw new Error(`invalid attribute name ${name}`);
    if (value === true) out += ` ${name}`;
    else if (typeof value === 'string' || typeof value === 'number')
      out += ` ${name}="${escapeHtml(String(value))}"`;
    else throw new Error(`attribute ${name} must be text, a number or a boolean`);
  }
  return out;
}

export type Component<P> = (props: P) => Html;

export function jsx(type: string, props: Attributes): Html;
export function jsx<P>(type: Component<P>, props: P): Html;
export function jsx<P>(type: string | Component<P>, props: P | Attributes): Html {
  if (typeof type === 'function') return type(props as P);
  if (!NAME.test(type)) throw new Error(`invalid element name ${type}`);
  const element: Attributes = props as Attributes;
  const attributes = renderAttributes(element);
  if (VOID.has(type)) return new Html(`<${type}${attributes}>`);
  return new Html(`<${type}${attributes}>${renderChild(element.children)}</${type}>`);
}

export const jsxs = jsx;
export const jsxDEV = jsx;

export function Fragment(props: { children?: Child }): Html {
  return new Html(renderChild(props.children));
}

// The JSX namespace is how TypeScript learns what an element is and takes; types only.
// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace JSX {
  export type Element = Html;
  export interface ElementChildrenAttribute {
    children: unknown;
  }
  export type IntrinsicElements = Record<string, Attributes>;
}
