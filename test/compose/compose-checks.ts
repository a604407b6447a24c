import {
  type ComposeProject,
  type ComposeService,
  dependenciesOf,
  environmentOf,
  mountsOf,
  portsOf,
} from './compose-file';

/** Services built from this repository's Dockerfile (the Passerelle apps). */
export function passerelleServices(project: ComposeProject): [string, ComposeService][] {
  return Object.entries(project.services).filter(([, s]) => s.build?.dockerfile === 'docker/Dockerfile');
}

/**
 * What would stop the stack or lose data, one line each: a mount whose target is not an
 * absolute path (a port written under `volumes:`), a named volume or secret not declared at the
 * top level, a dependency on a missing service or on the health of one without a healthcheck,
 * a service without a healthcheck.
 */
export function stackProblems(project: ComposeProject): string[] {
  const problems: string[] = [];
  const volumes = new Set(Object.keys(project.volumes ?? {}));
  const secrets = new Set(Object.keys(project.secrets ?? {}));
  for (const [name, service] of Object.entries(project.services)) {
    for (const mount of mountsOf(service)) {
      if (!mount.target.startsWith('/'))
        problems.push(`${name}: mount target "${mount.target}" is not an absolute path`);
      if (mount.type === 'volume' && mount.source !== '' && !volumes.has(mount.source))
        problems.push(`${name}: volume "${mount.source}" is not declared under volumes:`);
    }
    for (const secret of service.secrets ?? []) {
      const source = typeof secret === 'string' ? secret : secret.source;
      if (!secrets.has(source)) problems.push(`${name}: secret "${source}" is not declared under secrets:`);
    }
    for (const [dependency, condition] of Object.entries(dependenciesOf(service))) {
      const target = project.services[dependency];
      if (!target) problems.push(`${name}: depends on "${dependency}", which is not a service`);
      else if (condition === 'service_healthy' && !target.healthcheck?.test)
        problems.push(`${name}: waits for "${dependency}" to be healthy, which has no healthcheck`);
    }
    const health = service.healthcheck;
    if (!health?.test || health.disable === true) problems.push(`${name}: no healthcheck`);
    for (const port of portsOf(service))
      if (!/^\d+(-\d+)?$/.test(port.target))
        problems.push(`${name}: port target "${port.target}" is not a port`);
  }
  return problems;
}

/** The URL path a Passerelle healthcheck fetches, and on which port; undefined for another test. */
export function healthcheckUrl(service: ComposeService): URL | undefined {
  const test = service.healthcheck?.test;
  const text = Array.isArray(test) ? test.join(' ') : (test ?? '');
  const match = /fetch\('(http:\/\/[^']+)'\)/.exec(text);
  return match?.[1] ? new URL(match[1]) : undefined;
}

/** The port a Passerelle app listens on, from the variable its config reads. */
export function listeningPort(service: ComposeService): string | undefined {
  const env = environmentOf(service);
  return env.PORT ?? env.WORKER_PORT ?? env.CONNECTOR_PORT ?? env.SANDBOX_PORT;
}
