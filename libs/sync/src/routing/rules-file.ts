import { readFileSync } from 'node:fs';
import { ConfigError } from '@passerelle/config';
import { ID_PATTERN, isSupportedType } from '@passerelle/fhir';
import { AGENCY_KINDS, type AgencyKind } from '@passerelle/identity';
import DEFAULT_RULES_DOCUMENT from './default-routing-rules.json';
import { type JsonPosition, jsonPath, JsonSyntaxError, parseJsonWithLines } from './json-lines';
import {
  REFERRAL_CONTEXT_FIELDS,
  type ReferralContextField,
  type RoutingRule,
  type RoutingRules,
  type RuleRecipients,
} from './rules';

/** The Nest token of the rules a process routes by, loaded once at start. */
export const ROUTING_RULES = Symbol('ROUTING_RULES');

/** The environment variable that names a deployment's routing rules file. */
export const ROUTING_RULES_VARIABLE = 'SYNC_ROUTING_RULES';
export const ROUTING_RULES_VERSION = 1;

const RULE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const RELATIONS = ['gp-of-record', 'referral-performer', 'subscription'] as const;
const RULE_KEYS = new Set(['name', 'description', 'to', 'types', 'from', 'context']);
const TOP_KEYS = new Set(['version', 'description', 'rules', 'subscriptions']);

type Path = (string | number)[];

/** Checks a rules document as it is read, collecting every problem with the line it is on. */
class Checker {
  readonly problems: string[] = [];

  constructor(
    private readonly source: string,
    private readonly positions: ReadonlyMap<string, JsonPosition>,
  ) {}

  problem(path: Path, message: string, rule?: string): void {
    // The nearest located value: the element itself, else what holds it.
    let line: number | undefined;
    for (let p = [...path]; line === undefined; p = p.slice(0, -1)) {
      line = this.positions.get(jsonPath(p))?.line;
      if (p.length === 0) break;
    }
    const where = line === undefined ? this.source : `${this.source} line ${line}`;
    this.problems.push(`${where}${rule !== undefined ? `, rule "${rule}"` : ''}: ${message}`);
  }

  record(value: unknown, path: Path, what: string, rule?: string): Record<string, unknown> | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
    this.problem(path, `${what} must be a JSON object`, rule);
    return undefined;
  }

  strings(value: unknown, path: Path, what: string, rule?: string): string[] | undefined {
    if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value;
    this.problem(path, `${what} must be a non-empty list of strings`, rule);
    return undefined;
  }

  unknownKeys(
    object: Record<string, unknown>,
    allowed: ReadonlySet<string>,
    path: Path,
    rule?: string,
  ): void {
    for (const key of Object.keys(object))
      if (!allowed.has(key))
        this.problem(
          [...path, key],
          `"${key}" is not understood (expected ${[...allowed].join(', ')})`,
          rule,
        );
  }

  types(value: unknown, path: Path, rule: string | undefined): Set<string> | undefined {
    const list = this.strings(value, path, 'types', rule);
    if (list === undefined) return undefined;
    list.forEach((type, i) => {
      if (!isSupportedType(type))
        this.problem([...path, i], `"${type}" is not a resource type the hub stores`, rule);
    });
    return new Set(list);
  }

  kinds(value: unknown, path: Path, rule: string | undefined): AgencyKind[] {
    if (value === undefined) return [];
    const list = this.strings(value, path, 'kinds', rule) ?? [];
    list.forEach((kind, i) => {
      if (!(AGENCY_KINDS as readonly string[]).includes(kind))
        this.problem([...path, i], `"${kind}" is not an agency kind (${AGENCY_KINDS.join(', ')})`, rule);
    });
    return list as AgencyKind[];
  }

  agencies(value: unknown, path: Path, rule: string | undefined): string[] {
    if (value === undefined) return [];
    const list = this.strings(value, path, 'agencies', rule) ?? [];
    list.forEach((id, i) => {
      if (!ID_PATTERN.test(id)) this.problem([...path, i], `"${id}" is not an agency id`, rule);
    });
    return list;
  }

  /** `{ "kinds": [...], "agencies": [...] }`, at least one of them. */
  selection(value: unknown, path: Path, what: string, rule: string | undefined) {
    const object = this.record(value, path, what, rule);
    if (object === undefined) return undefined;
    this.unknownKeys(object, new Set(['kinds', 'agencies']), path, rule);
    if (object.kinds === undefined && object.agencies === undefined)
      this.problem(path, `${what} needs "kinds" or "agencies"`, rule);
    return {
      kinds: this.kinds(object.kinds, [...path, 'kinds'], rule),
      agencies: this.agencies(object.agencies, [...path, 'agencies'], rule),
    };
  }
}

function readRule(c: Checker, value: unknown, path: Path, names: Set<string>): RoutingRule | undefined {
  const object = c.record(value, path, 'a rule');
  if (object === undefined) return undefined;
  const name = typeof object.name === 'string' ? object.name : undefined;
  if (name === undefined || !RULE_NAME.test(name)) {
    c.problem([...path, 'name'], 'each rule needs a "name": lower-case letters, digits and dashes');
  } else if (names.has(name)) {
    c.problem([...path, 'name'], `the name "${name}" is used by an earlier rule`, name);
  } else names.add(name);
  c.unknownKeys(object, RULE_KEYS, path, name);
  if (object.description !== undefined && typeof object.description !== 'string')
    c.problem([...path, 'description'], 'description must be text', name);

  const to = readRecipients(c, object, path, name);
  const types = object.types === undefined ? undefined : c.types(object.types, [...path, 'types'], name);
  const from =
    object.from === undefined ? undefined : c.selection(object.from, [...path, 'from'], 'from', name);
  if (to === undefined) return undefined;
  if (to.relation === 'subscription' && object.types !== undefined)
    c.problem(
      [...path, 'types'],
      'subscription rules send the types each agency subscribed to: leave "types" out',
      name,
    );
  if ((to.relation === 'gp-of-record' || to.relation === 'record-holder') && object.types === undefined)
    c.problem(
      path,
      `a rule sending to ${to.relation === 'gp-of-record' ? 'the GP of record' : 'agencies'} needs "types"`,
      name,
    );
  if (
    to.relation === 'referral-performer' &&
    types !== undefined &&
    [...types].some((t) => t !== 'ServiceRequest')
  )
    c.problem([...path, 'types'], 'a referral-performer rule sends ServiceRequest only', name);
  if (to.relation !== 'referral-performer' && object.context !== undefined)
    c.problem([...path, 'context'], '"context" belongs to referral-performer rules', name);
  return {
    name: name ?? '',
    to,
    ...(types !== undefined
      ? { types }
      : to.relation === 'referral-performer'
        ? { types: new Set(['ServiceRequest']) }
        : {}),
    ...(from !== undefined ? { from } : {}),
  };
}

function readRecipients(
  c: Checker,
  rule: Record<string, unknown>,
  path: Path,
  name: string | undefined,
): RuleRecipients | undefined {
  const to = rule.to;
  const at = [...path, 'to'];
  if (typeof to === 'string') {
    switch (RELATIONS.find((r) => r === to)) {
      case 'gp-of-record':
        return { relation: 'gp-of-record' };
      case 'subscription':
        return { relation: 'subscription' };
      case 'referral-performer': {
        const context =
          rule.context === undefined
            ? []
            : (c.strings(rule.context, [...path, 'context'], 'context', name) ?? []);
        context.forEach((field, i) => {
          if (!(REFERRAL_CONTEXT_FIELDS as readonly string[]).includes(field))
            c.problem(
              [...path, 'context', i],
              `"${field}" is not one of ${REFERRAL_CONTEXT_FIELDS.join(', ')}`,
              name,
            );
        });
        return { relation: 'referral-performer', context: context as ReferralContextField[] };
      }
      case undefined:
        break;
    }
  }
  if (typeof to === 'object' && to !== null && !Array.isArray(to)) {
    const selection = c.selection(to, at, 'to', name);
    return selection && { relation: 'record-holder', ...selection };
  }
  c.problem(
    at,
    `"to" must be ${RELATIONS.map((r) => `"${r}"`).join(', ')} or { "kinds": [...], "agencies": [...] }`,
    name,
  );
  return undefined;
}

function readSubscriptions(c: Checker, value: unknown): Map<string, ReadonlySet<string>> {
  const out = new Map<string, ReadonlySet<string>>();
  if (value === undefined) return out;
  const object = c.record(value, ['subscriptions'], 'subscriptions');
  for (const [agency, types] of Object.entries(object ?? {})) {
    const path = ['subscriptions', agency];
    if (!ID_PATTERN.test(agency)) c.problem(path, `"${agency}" is not an agency id`);
    const set = c.types(types, path, undefined);
    if (set) out.set(agency, set);
  }
  return out;
}

/** Checks a parsed rules document; every problem is listed at once, each with its line when known. */
export function readRoutingRules(
  document: unknown,
  source: string,
  positions: ReadonlyMap<string, JsonPosition> = new Map(),
): RoutingRules {
  const c = new Checker(source, positions);
  const top = c.record(document, [], 'the routing rules file') ?? {};
  c.unknownKeys(top, TOP_KEYS, []);
  if (top.version !== ROUTING_RULES_VERSION)
    c.problem(['version'], `"version" must be ${ROUTING_RULES_VERSION} (the format this hub reads)`);
  const names = new Set<string>();
  const rules: RoutingRule[] = [];
  if (!Array.isArray(top.rules)) c.problem(['rules'], '"rules" must be a list of rules');
  else
    top.rules.forEach((value: unknown, i) => {
      const rule = readRule(c, value, ['rules', i], names);
      if (rule) rules.push(rule);
    });
  const subscriptions = readSubscriptions(c, top.subscriptions);
  if (subscriptions.size > 0 && !rules.some((r) => r.to.relation === 'subscription'))
    c.problem(['subscriptions'], 'subscriptions are declared but no rule sends to "subscription"');
  if (c.problems.length > 0) throw new ConfigError(c.problems);
  return { rules, subscriptions, source };
}

/** Parses and checks the text of a rules file; a syntax error names its line and column. */
export function parseRoutingRules(text: string, source: string): RoutingRules {
  let located;
  try {
    located = parseJsonWithLines(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new ConfigError([`${source} is not valid JSON: ${e.message}`]);
    throw e;
  }
  return readRoutingRules(located.value, source, located.positions);
}

/** The rules Passerelle routes by when a deployment names no file: `default-routing-rules.json`. */
export function defaultRoutingRules(): RoutingRules {
  return readRoutingRules(DEFAULT_RULES_DOCUMENT, 'default');
}

/** The default file's rules, read once. */
export const DEFAULT_ROUTING_RULES: RoutingRules = defaultRoutingRules();

/**
 * The deployment's routing rules: the file named by SYNC_ROUTING_RULES (`file`), else the
 * default. Throws ConfigError listing every problem, so a bad file stops the process at start.
 */
export function loadRoutingRules(file: string | undefined): RoutingRules {
  if (file === undefined) return defaultRoutingRules();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([
      `${ROUTING_RULES_VARIABLE} ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  return parseRoutingRules(text, `${ROUTING_RULES_VARIABLE} ${file}`);
}

/** The rules in effect in the file's own format (sets as lists), for operators (`GET /admin/sync/routing-rules`). */
export function describeRoutingRules(rules: RoutingRules): Record<string, unknown> {
  return {
    source: rules.source,
    version: ROUTING_RULES_VERSION,
    rules: rules.rules.map((rule) => {
      const { to } = rule;
      return {
        name: rule.name,
        to:
          to.relation === 'record-holder'
            ? { kinds: [...to.kinds], agencies: [...to.agencies] }
            : to.relation,
        ...(rule.types !== undefined ? { types: [...rule.types] } : {}),
        ...(rule.from !== undefined
          ? { from: { kinds: [...rule.from.kinds], agencies: [...rule.from.agencies] } }
          : {}),
        ...(to.relation === 'referral-performer' ? { context: [...to.context] } : {}),
      };
    }),
    subscriptions: Object.fromEntries(
      [...rules.subscriptions].map(([agency, types]) => [agency, [...types]]),
    ),
  };
}
