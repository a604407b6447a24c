import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadHubConfig } from '@passerelle/config';
import { loadWorkerConfig } from '../../apps/worker/src/worker-config';
import { parseEnvFile } from '../compose/interpolate';

/**
 * docs/operations.md's "Environment variables" table lists every variable the code reads, and
 * nothing else. "Reads" is found in the source of apps/ and libs/ (tests, fixtures and comments
 * aside): `process.env.X`, `env.X`, `env['X']`, and the config readers' first argument
 * (`r.int('X', ...)`, `r.string`, `r.optionalString`, `r.url`, `r.oneOf`, `required(r, 'X', ...)`,
 * `requiredUrl`, `readTypes`).
 */
const ROOT = join(__dirname, '..', '..');
const SKIP = /\.(spec|int-spec|e2e-spec|fixtures|testing)\.ts$/;
const READER =
  /\b(?:int|string|optionalString|url|oneOf|required|requiredUrl|readTypes)\(\s*(?:r,\s*)?'([A-Z][A-Z0-9_]*)'/g;
const ENV = /(?:process\.env|\benv)(?:\.([A-Z][A-Z0-9_]*)|\[\s*'([A-Z][A-Z0-9_]*)'\s*\])/g;
/**
 * The sandbox reads each agency server's auth as `SANDBOX_<KIND>_X`, else `SANDBOX_X`, through a
 * helper named after X alone (apps/sandbox/src/sandbox-config.ts): the table names SANDBOX_X.
 */
const SANDBOX_AUTH: Record<string, string> = {
  AUTH: 'SANDBOX_AUTH',
  USER: 'SANDBOX_USER',
  PASSWORD: 'SANDBOX_PASSWORD',
  TOKEN: 'SANDBOX_TOKEN',
  CLIENT_ID: 'SANDBOX_CLIENT_ID',
  JWKS_FILE: 'SANDBOX_JWKS_FILE',
  SCOPES: 'SANDBOX_SCOPES',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !SKIP.test(entry.name) ? [path] : [];
  });
}

function variablesRead(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of ['apps', 'libs'].flatMap((d) => sources(join(ROOT, d)))) {
    const where = relative(ROOT, file);
    const code = readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => !(line.startsWith('//') || line.startsWith('*') || line.startsWith('/*')))
      .join('\n'); // a reader's call may wrap: its arguments on the next lines
    // The sandbox's per-agency helpers (`pick('X')`, `required('X')`) read SANDBOX_[<KIND>_]X.
    const sandbox = where === join('apps', 'sandbox', 'src', 'sandbox-config.ts');
    const helpers = new Set(
      sandbox ? [...code.matchAll(/\b(?:pick|required)\('([A-Z_]+)'\)/g)].map((m) => m[1] ?? '') : [],
    );
    for (const m of code.matchAll(READER)) if (!helpers.has(m[1] ?? '')) found.set(m[1] ?? '', where);
    for (const m of code.matchAll(ENV)) found.set(m[1] ?? m[2] ?? '', where);
    for (const name of helpers) found.set(SANDBOX_AUTH[name] ?? `unknown sandbox auth ${name}`, where);
  }
  return found;
}

function variablesDocumented(): string[] {
  const doc = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const section = /\n## Environment variables\n([\s\S]*?)\n## /.exec(doc)?.[1] ?? '';
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((m) => m[1] ?? '');
}

describe('docs/operations.md, Environment variables', () => {
  const read = variablesRead();
  const documented = variablesDocumented();

  it('finds what the code reads (the scan itself works)', () => {
    expect(read.size).toBeGreaterThan(60);
    for (const name of [
      'DATABASE_URL',
      'ADMIN_TOKEN',
      'CONNECTOR_KIND',
      'SANDBOX_AUTH',
      'HUB_URL',
      'AUDIT_STALL_SECONDS',
    ])
      expect(read.has(name)).toBe(true);
  });

  it('documents every variable the code reads', () => {
    const missing = [...read]
      .filter(([name]) => !documented.includes(name))
      .map(([n, where]) => `${n} (${where})`);
    expect(missing).toEqual([]);
  });

  it('documents nothing the code does not read, each once', () => {
    expect(documented.filter((name) => !read.has(name))).toEqual([]);
    expect(documented.length).toBe(new Set(documented).size);
  });
});

describe('the .env.example of the hub, the worker and the connector', () => {
  const documented = variablesDocumented();
  const example = (app: string) =>
    parseEnvFile(readFileSync(join(ROOT, 'apps', app, '.env.example'), 'utf8'));

  it.each(['hub', 'worker', 'connector'])('%s: names only documented variables', (app) => {
    const names = Object.keys(example(app));
    expect(names.length).toBeGreaterThan(5);
    expect(names.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('hub and worker: their configuration loads from the example as it is', () => {
    expect(loadHubConfig(example('hub'))).toMatchObject({
      database: { kind: 'postgres' },
      sync: { worker: 'off' },
      http: { host: '0.0.0.0', port: 8080 },
    });
    expect(loadWorkerConfig(example('worker'))).toMatchObject({ database: { kind: 'postgres' } });
  });
});
