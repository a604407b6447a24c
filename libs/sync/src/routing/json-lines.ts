/** Where a JSON value begins: its 1-based line and column. */
export interface JsonPosition {
  line: number;
  column: number;
}

/** A JSON text that is not JSON, at the place it stops being so. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: JsonPosition,
  ) {
    super(`line ${position.line}, column ${position.column}: ${message}`);
    this.name = 'JsonSyntaxError';
  }
}

/** A parsed JSON document and where each of its values begins, by path (`rules/2/types/0`). */
export interface LocatedJson {
  value: unknown;
  positions: ReadonlyMap<string, JsonPosition>;
}

export const jsonPath = (path: readonly (string | number)[]): string => path.join('/');

/**
 * JSON.parse, remembering the line of every value, so that a configuration file's problems can
 * name the line they are on. Strict RFC 8259 (no comments, no trailing commas); a duplicate
 * key is refused, since JSON.parse would silently keep the last one.
 */
export function parseJsonWithLines(text: string): LocatedJson {
  const positions = new Map<string, JsonPosition>();
  let at = 0;
  let line = 1;
  let lineStart = 0;

  const here = (): JsonPosition => ({ line, column: at - lineStart + 1 });
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, here());
  };
  const skipSpace = () => {
    for (; at < text.length; at++) {
      const c = text[at];
      if (c === '\n') {
        line++;
        lineStart = at + 1;
      } else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    }
  };
  const expect = (c: string) => {
    if (text[at] !== c)
      fail(`expected "${c}"${at < text.length ? `, found "${text[at]}"` : ' before the end'}`);
    at++;
  };

  const parseString = (): string => {
    const start = at;
    expect('"');
    for (; at < text.length && text[at] !== '"'; at++) {
      if (text[at] === '\\') at++;
      else if (text[at] === '\n' || text.charCodeAt(at) < 0x20)
        fail('a control character or line break inside a string');
    }
    expect('"');
    try {
      return JSON.parse(text.slice(start, at)) as string;
    } catch {
      at = start;
      return fail('an invalid escape in a string');
    }
  };

  const parseValue = (path: (string | number)[]): unknown => {
    skipSpace();
    positions.set(jsonPath(path), here());
    const c = text[at];
    if (c === '{') {
      at++;
      const out: Record<string, unknown> = {};
      skipSpace();
      if (text[at] === '}') {
        at++;
        return out;
      }
      for (;;) {
        skipSpace();
        const keyAt = here();
        const key = parseString();
        if (Object.prototype.hasOwnProperty.call(out, key)) {
          throw new JsonSyntaxError(`"${key}" is given twice`, keyAt);
        }
        skipSpace();
        expect(':');
        out[key] = parseValue([...path, key]);
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        expect('}');
        return out;
      }
    }
    if (c === '[') {
      at++;
      const out: unknown[] = [];
      skipSpace();
      if (text[at] === ']') {
        at++;
        return out;
      }
      for (;;) {
        out.push(parseValue([...path, out.length]));
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        expect(']');
        return out;
      }
    }
    if (c === '"') return parseString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(at, at + 64),
    );
    if (literal === null) return fail(at < text.length ? `unexpected "${c}"` : 'unexpected end of the file');
    at += literal[0].length;
    return JSON.parse(literal[0]) as unknown;
  };

  const value = parseValue([]);
  skipSpace();
  if (at < text.length) fail(`unexpected "${text[at]}" after the end of the document`);
  return { value, positions };
}
