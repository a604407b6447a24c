import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_FLAGS } from '@passerelle/config';
import {
  COMPOSE_FILE,
  DOCKER_DIR,
  REPO_ROOT,
  envFile,
  environmentOf,
  loadCompose,
  mountsOf,
  parseDockerfile,
  portsOf,
} from './compose-file';
import { healthcheckUrl, listeningPort, passerelleServices, stackProblems } from './compose-checks';
import { referencedVariables } from './interpolate';

const example = envFile(join(DOCKER_DIR, '.env.example'));
const text = readFileSync(COMPOSE_FILE, 'utf8');
const project = loadCompose(example);
const REQUIRED = ['ADMIN_TOKEN', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD'];

function without(name: string, value?: string): Record<string, string> {
  const env: Record<string, string> = { ...example };
  if (value === undefined) delete env[name];
  else env[name] = value;
  return env;
}

describe('docker/compose.yaml, loaded as Docker Compose loads it', () => {
  it('is valid against the Compose Specification schema with docker/.env.example', () => {
    expect(project.name).toBe('passerelle');
    expect(Object.keys(project.services).sort()).toEqual(
      [
        'connector-gp',
        'connector-hospital',
        'connector-specialist',
        'hub',
        'postgres',
        'redis',
        'sandbox',
        'worker',
      ].sort(),
    );
  });

  it('names in docker/.env.example every variable it reads, and only those', () => {
    expect([...referencedVariables(text).keys()].sort()).toEqual(Object.keys(example).sort());
  });

  it.each(REQUIRED)('refuses to load without %s, or with it empty, naming it', (name) => {
    expect(() => loadCompose(without(name))).toThrow(new RegExp(`required variable ${name} `));
    expect(() => loadCompose(without(name, ''))).toThrow(new RegExp(`required variable ${name} `));
  });

  it('requires exactly the secrets, and defaults everything else', () => {
    const required = [...referencedVariables(text)].filter(([, v]) => v.required).map(([k]) => k);
    expect(required.sort()).toEqual(REQUIRED);
    const onlySecrets = Object.fromEntries(REQUIRED.map((name) => [name, example[name] ?? '']));
    expect(() => loadCompose(onlySecrets)).not.toThrow();
  });

  it('has nothing that would stop the stack: mounts, volumes, secrets, dependencies, healthchecks', () => {
    expect(stackProblems(project)).toEqual([]);
  });

  it('would catch the hub port written under volumes:', () => {
    const broken = text.replace(
      /(\n {4}volumes:\n {6}- printruns:\/var\/lib\/passerelle\/print-runs\n)/,
      "$1      - '${HUB_PUBLISHED_PORT:-8080}:8080'\n",
    );
    expect(broken).not.toBe(text);
    expect(stackProblems(loadCompose(example, broken))).toContain(
      'hub: mount target "8080" is not an absolute path',
    );
  });

  it('publishes the hub on HUB_PUBLISHED_PORT (8080 by default) to the port it listens on', () => {
    const hub = project.services.hub;
    expect(hub).toBeDefined();
    if (!hub) return;
    expect(portsOf(hub)).toEqual([{ hostIp: undefined, published: '8080', target: '8080' }]);
    expect(listeningPort(hub)).toBe('8080');
    expect(environmentOf(hub).HOST).toBe('0.0.0.0');
    const moved = loadCompose({ ...example, HUB_PUBLISHED_PORT: '9443' }).services.hub;
    expect(moved && portsOf(moved)[0]?.published).toBe('9443');
  });

  it('points the connectors at the hub by its public address, the audience of their token requests', () => {
    for (const env of [example, { ...example, PUBLIC_BASE_URL: 'https://hub.region.example' }]) {
      const loaded = loadCompose(env);
      const base = loaded.services.hub && environmentOf(loaded.services.hub).PUBLIC_BASE_URL;
      const connectors = Object.entries(loaded.services).filter(([name]) => name.startsWith('connector-'));
      expect(connectors.length).toBeGreaterThan(0);
      for (const [, service] of connectors) expect(environmentOf(service).HUB_URL).toBe(base);
    }
  });

  it('starts the hub and each connector with the Node flags npm start and the benches use (NODE_FLAGS)', () => {
    const connectors = Object.keys(project.services).filter((name) => name.startsWith('connector-'));
    expect(connectors.length).toBeGreaterThan(0);
    const apps: [string, keyof typeof NODE_FLAGS][] = [
      ['hub', 'hub'],
      ...connectors.map((c) => [c, 'connector'] as [string, 'connector']),
    ];
    for (const [name, app] of apps) {
      const service = project.services[name];
      expect([name, service && environmentOf(service).NODE_OPTIONS]).toEqual([
        name,
        NODE_FLAGS[app].join(' '),
      ]);
    }
  });

  it('publishes nothing else but the sandbox, on loopback only', () => {
    const published = Object.entries(project.services).filter(([, s]) => portsOf(s).length > 0);
    expect(published.map(([name]) => name).sort()).toEqual(['hub', 'sandbox']);
    const sandbox = project.services.sandbox;
    expect(sandbox && portsOf(sandbox)[0]?.hostIp).toBe('127.0.0.1');
  });

  it('checks each Passerelle app on the port it listens on; the hub and the worker on their readiness', () => {
    for (const [name, service] of passerelleServices(project)) {
      const url = healthcheckUrl(service);
      expect({ name, port: url?.port }).toEqual({ name, port: listeningPort(service) });
    }
    for (const name of ['hub', 'worker']) {
      const service = project.services[name];
      expect({ name, path: service && healthcheckUrl(service)?.pathname }).toEqual({
        name,
        path: '/health/ready',
      });
    }
    expect(project.services.postgres?.healthcheck?.test).toContain('pg_isready -U passerelle -d passerelle');
  });

  it('keeps PostgreSQL, Redis, print runs, audit checkpoints and connector cursors on named volumes', () => {
    const targetOf = (service: string, volume: string) =>
      mountsOf(project.services[service] ?? {}).find((m) => m.type === 'volume' && m.source === volume)
        ?.target;
    expect(targetOf('postgres', 'pgdata')).toBe('/var/lib/postgresql/data');
    expect(targetOf('redis', 'redisdata')).toBe('/data');
    expect(project.services.redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    const hubEnv = environmentOf(project.services.hub ?? {});
    const workerEnv = environmentOf(project.services.worker ?? {});
    // The worker writes print runs, the hub serves them: one volume at each one's MAILROOM_DIR.
    expect(targetOf('hub', 'printruns')).toBe(hubEnv.MAILROOM_DIR);
    expect(targetOf('worker', 'printruns')).toBe(workerEnv.MAILROOM_DIR);
    expect(targetOf('hub', 'auditcheckpoints')).toBe(hubEnv.AUDIT_CHECKPOINT_DIR);
    for (const kind of ['hospital', 'gp', 'specialist']) {
      const name = `connector-${kind}`;
      expect(targetOf(name, name)).toBe(environmentOf(project.services[name] ?? {}).DATA_DIR);
    }
    // No bind mounts: key files come in as secrets, data lives in volumes.
    for (const service of Object.values(project.services))
      expect(mountsOf(service).filter((m) => m.type === 'bind')).toEqual([]);
  });

  it('gives each key file as a secret from docker/keys, where neither git nor the image looks', () => {
    for (const secret of Object.values(project.secrets ?? {}))
      expect(secret.file).toMatch(/^\.\/keys\/[a-z-]+\.pem$/);
    const hubEnv = environmentOf(project.services.hub ?? {});
    expect(hubEnv.AUDIT_CHECKPOINT_KEY_FILE).toBe('/run/secrets/audit-checkpoint-key');
    for (const kind of ['hospital', 'gp', 'specialist']) {
      const connector = project.services[`connector-${kind}`] ?? {};
      expect(connector.secrets).toEqual([{ source: `${kind}-key`, target: 'agency-key' }]);
      expect(environmentOf(connector).PRIVATE_KEY_FILE).toBe('/run/secrets/agency-key');
    }
    expect(readFileSync(join(REPO_ROOT, '.gitignore'), 'utf8')).toMatch(/^docker\/keys\/$/m);
    const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(dockerignore).toEqual(expect.arrayContaining(['docker', '*.pem', '.env', 'node_modules']));
  });

  it('builds each Passerelle app from this Dockerfile, as the user the image sets', () => {
    const apps = passerelleServices(project);
    expect(apps.map(([name]) => name).sort()).toEqual(
      ['connector-gp', 'connector-hospital', 'connector-specialist', 'hub', 'sandbox', 'worker'].sort(),
    );
    for (const [name, service] of apps) {
      expect({ name, context: service.build?.context, user: service.user }).toEqual({
        name,
        context: '..',
        user: undefined,
      });
      const args = service.build?.args;
      const app = Array.isArray(args) ? undefined : args?.APP;
      expect(existsSync(join(REPO_ROOT, 'apps', app ?? '-', 'src', 'main.ts'))).toBe(true);
    }
  });
});

/** End of life of each Node LTS line (nodejs.org/en/about/previous-releases); add new lines here. */
const NODE_LTS_END_OF_LIFE: Record<number, string> = {
  20: '2026-04-30',
  22: '2027-04-30',
  24: '2028-04-30',
};

describe('docker/Dockerfile', () => {
  const stages = parseDockerfile(readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8'));
  const runtime = stages.at(-1);
  const last = (keyword: string) => runtime?.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;

  it('builds on a Node LTS line that is still supported, one that package.json allows', () => {
    const majors = stages.map((s) => Number(/^node:(\d+)-/.exec(s.from)?.[1]));
    expect(new Set(majors).size).toBe(1);
    const major = majors[0] ?? 0;
    expect(NODE_LTS_END_OF_LIFE[major]).toBeDefined();
    expect(new Date(NODE_LTS_END_OF_LIFE[major] ?? 0).getTime()).toBeGreaterThan(Date.now());
    const engines = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
        engines: { node: string };
      }
    ).engines.node;
    expect(Number(/>=\s*(\d+)/.exec(engines)?.[1])).toBeLessThanOrEqual(major);
  });

  it('runs as the unprivileged node user, which owns the paths the volumes mount on', () => {
    expect(last('USER')).toBe('node');
    const mountTargets = new Set(
      Object.values(project.services)
        .filter((s) => s.build)
        .flatMap((s) => mountsOf(s).map((m) => m.target)),
    );
    const prepared =
      runtime?.instructions.find((i) => i.keyword === 'RUN' && i.args.includes('chown'))?.args ?? '';
    for (const target of mountTargets)
      expect({ target, prepared: prepared.includes(target) }).toEqual({ target, prepared: true });
  });

  it('starts the app with exec (node gets SIGTERM) and carries the CLI as `passerelle`', () => {
    expect(last('CMD')).toMatch(/^exec node "dist\/apps\/\$\{APP\}\/src\/main\.js"$/);
    const wrapper =
      runtime?.instructions.find((i) => i.args.includes('/usr/local/bin/passerelle'))?.args ?? '';
    const cli = /node \/app\/(dist\/apps\/hub\/src\/cli\/main)\.js/.exec(wrapper)?.[1] ?? '';
    expect(existsSync(join(REPO_ROOT, cli.replace(/^dist\//, '') + '.ts'))).toBe(true);
  });
});

describe('docker/README.md first steps', () => {
  const readme = readFileSync(join(DOCKER_DIR, 'README.md'), 'utf8');
  const steps = /## Run the stack\n[^`]*```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

  it('need no Node on the host: the CLI runs in the hub container', () => {
    expect(steps).toContain('docker compose -f docker/compose.yaml exec');
    expect(steps).not.toMatch(/^\s*(npm|node|npx)\s/m);
    expect(steps).not.toMatch(/\s(npm|npx) /);
    expect(steps).toMatch(/exec -T hub passerelle agency add/);
  });
});
