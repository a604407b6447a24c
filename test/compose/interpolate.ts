/**
 * Compose's variable interpolation (Compose Specification, "Interpolation"), as Docker Compose
 * applies it to every string value of the file before validating it:
 *
 * - `$VAR` and `${VAR}`: the variable's value, or the empty string when unset;
 * - `${VAR:-default}` (unset or empty) and `${VAR-default}` (unset): the default;
 * - `${VAR:?message}` (unset or empty) and `${VAR?message}` (unset): the file does not load;
 * - `${VAR:+replacement}` (set and not empty) and `${VAR+replacement}` (set): the replacement;
 * - `$$`: a literal `$`.
 *
 * Defaults, messages and replacements may themselves hold interpolations. Keys are not
 * interpolated, only values.
 */
export type ComposeEnv = Readonly<Record<string, string | undefined>>;

export class InterpolationError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'InterpolationError';
  }
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/** Index of the `}` closing the `${` whose content starts at `from`, nested braces counted. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') i++;
    else if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  throw new InterpolationError('', `unterminated \${ in "${text}"`);
}

function expandBraced(inner: string, env: ComposeEnv): string {
  const match = NAME.exec(inner);
  if (!match) throw new InterpolationError(inner, `invalid interpolation format for "\${${inner}}"`);
  const name = match[0];
  const rest = inner.slice(name.length);
  const value = env[name];
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  if (rest === '') return value ?? '';
  const operator = /^(:?[-?+])/.exec(rest)?.[1];
  if (!operator) throw new InterpolationError(name, `invalid interpolation format for "\${${inner}}"`);
  const argument = rest.slice(operator.length);
  const strict = operator.startsWith(':');
  switch (operator.slice(-1)) {
    case '-':
      return (strict ? nonEmpty : set) ? (value ?? '') : interpolate(argument, env);
    case '?':
      if (strict ? nonEmpty : set) return value ?? '';
      throw new InterpolationError(
        name,
        `required variable ${name} is missing a value: ${interpolate(argument, env)}`,
      );
    case '+':
      return (strict ? nonEmpty : set) ? interpolate(argument, env) : '';
    default:
      throw new InterpolationError(name, `invalid interpolation format for "\${${inner}}"`);
  }
}

/** One string value, interpolated. Throws InterpolationError naming a required variable that is unset. */
export function interpolate(text: string, env: ComposeEnv): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) return out + text.slice(i);
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const end = closingBrace(text, dollar + 2);
      out += expandBraced(text.slice(dollar + 2, end), env);
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (name) {
        out += env[name] ?? '';
        i = dollar + 1 + name.length;
      } else {
        // A lone `$` (before a space, a digit, the end) is kept as it is.
        out += '$';
        i = dollar + 1;
      }
    }
  }
  return out;
}

/** Every string value of a parsed document interpolated; keys, numbers and booleans left alone. */
export function interpolateValues(value: unknown, env: ComposeEnv): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateValues(item, env));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateValues(item, env)]),
    );
  return value;
}

/** Variables named anywhere in a text, with whether each is required (`:?` or `?`). */
export function referencedVariables(text: string): Map<string, { required: boolean }> {
  const found = new Map<string, { required: boolean }>();
  for (const match of text.matchAll(/\$\{([_a-zA-Z][_a-zA-Z0-9]*)(:?[-?+])?/g)) {
    const name = match[1] ?? '';
    const required = (match[2] ?? '').endsWith('?');
    found.set(name, { required: required || (found.get(name)?.required ?? false) });
  }
  return found;
}

/**
 * A Compose `.env` file: `NAME=value` lines, `#` comments, optional `export `, values optionally
 * quoted (single quotes literal, double quotes with `\n`); an unquoted value ends at ` #`.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([_a-zA-Z][_a-zA-Z0-9.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`not a NAME=value line: ${line}`);
    const [, name = '', rawValue = ''] = match;
    let value = rawValue;
    if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) value = value.slice(1, -1);
    else if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"');
    else value = value.replace(/\s+#.*$/, '');
    env[name] = value;
  }
  return env;
}
