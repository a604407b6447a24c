import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { load } from 'js-yaml';
import { type ComposeEnv, interpolateValues, parseEnvFile } from './interpolate';

export const REPO_ROOT = join(__dirname, '..', '..');
export const DOCKER_DIR = join(REPO_ROOT, 'docker');
export const COMPOSE_FILE = join(DOCKER_DIR, 'compose.yaml');

/** The parts of a service this suite reads, after interpolation and schema validation. */
export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> | string[] };
  user?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number; host_ip?: string })[];
  volumes?: (string | { type: string; source?: string; target: string; read_only?: boolean })[];
  secrets?: (string | { source: string; target?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean; interval?: string; start_period?: string };
  command?: string | string[];
}

export interface ComposeProject {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string; environment?: string }>;
}

/** The variables of an env file of the repository (docker/.env.example ...). */
export function envFile(path: string): Record<string, string> {
  return parseEnvFile(readFileSync(path, 'utf8'));
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** The Compose Specification's schema, as compose-go embeds it (see README.md here). */
function composeValidator(): ReturnType<Ajv['compile']> {
  if (!validator) {
    const schema = JSON.parse(readFileSync(join(__dirname, 'compose-spec.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    // Ajv ships draft-07 under its http:// id; the schema names it https://: same meta-schema.
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false });
    // compose-go registers "duration" as Go's time.ParseDuration syntax.
    ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
    validator = ajv.compile(schema);
  }
  return validator;
}

/** Errors of the schema, one line each (empty when the document is valid). */
export function schemaErrors(document: unknown): string[] {
  const validate = composeValidator();
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

/**
 * Loads a compose file as Docker Compose does: YAML, interpolation of every value with `env`,
 * then the Compose schema. Throws on a missing required variable or a schema violation.
 */
export function loadCompose(env: ComposeEnv, text = readFileSync(COMPOSE_FILE, 'utf8')): ComposeProject {
  const interpolated = interpolateValues(load(text, { filename: COMPOSE_FILE }), env);
  const errors = schemaErrors(interpolated);
  if (errors.length > 0) throw new Error(`compose file invalid:\n${errors.join('\n')}`);
  return interpolated as ComposeProject;
}

/** A service's environment as a map, whichever of the two Compose forms it uses. */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((line) => [line.split('=')[0] ?? '', line.slice(line.indexOf('=') + 1)]),
    );
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

export interface Mount {
  type: 'volume' | 'bind';
  source: string;
  target: string;
  readOnly: boolean;
}

/** A service's mounts, short syntax (`source:target[:mode]`) parsed as Compose reads it. */
export function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string')
      return {
        type: volume.type === 'bind' ? 'bind' : 'volume',
        source: volume.source ?? '',
        target: volume.target,
        readOnly: volume.read_only === true,
      };
    const [source = '', target, mode] = volume.split(':');
    // One part only: an anonymous volume at that path.
    if (target === undefined) return { type: 'volume', source: '', target: source, readOnly: false };
    const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
    return {
      type: bind ? 'bind' : 'volume',
      source,
      target,
      readOnly: mode?.split(',').includes('ro') ?? false,
    };
  });
}

export interface PortMapping {
  hostIp?: string;
  published?: string;
  target: string;
}

/** A service's published ports, short syntax (`[ip:]published:target[/proto]`) parsed. */
export function portsOf(service: ComposeService): PortMapping[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'number') return { target: String(port) };
    if (typeof port === 'object')
      return {
        hostIp: port.host_ip,
        published: port.published === undefined ? undefined : String(port.published),
        target: String(port.target),
      };
    const parts = port.replace(/\/(tcp|udp)$/, '').split(':');
    const target = parts.pop() ?? '';
    const published = parts.pop();
    return { hostIp: parts.pop(), published, target };
  });
}

/** The services a service waits for, with the condition it waits on. */
export function dependenciesOf(service: ComposeService): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps).map(([name, d]) => [name, d.condition ?? 'service_started']),
  );
}

export interface DockerfileStage {
  from: string;
  name?: string;
  instructions: { keyword: string; args: string }[];
}

/**
 * A Dockerfile's stages: continuation lines joined, comments and parser directives dropped,
 * each instruction as its upper-cased keyword and its arguments.
 */
export function parseDockerfile(text: string): DockerfileStage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole !== '') logical.push(whole);
  }
  const stages: DockerfileStage[] = [];
  for (const line of logical) {
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : line.slice(space + 1).trim();
    if (keyword === 'FROM') {
      const [from = '', as, name] = args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${keyword} before any FROM`);
      stage.instructions.push({ keyword, args });
    }
  }
  return stages;
}
