import { isIP } from 'node:net';
import type { EnvReader } from './env';

/** The named ranges Fastify's proxy matching (proxy-addr) knows. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** Why one TRUST_PROXY entry is not an address, a CIDR range or a named range; undefined if it is. */
function entryProblem(entry: string): string | undefined {
  if (NAMED_RANGES.includes(entry)) return undefined;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `"${entry}" is not an IP address or CIDR range`;
  if (prefix === undefined) return undefined;
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(prefix) || bits > max) return `"${entry}" has a prefix length outside 0-${max}`;
  return undefined;
}

/**
 * TRUST_PROXY: the proxies (load balancers, TLS terminators) whose `X-Forwarded-For` names the
 * client, as a comma-separated list. Unset: none, and the client is whoever opened the
 * connection. Trusting every sender (`true`, `*`) or a hop count is refused: any client could
 * then choose its own address and escape its rate limit.
 */
export function readTrustProxy(r: EnvReader): string[] {
  const raw = r.optionalString('TRUST_PROXY');
  if (raw === undefined) return [];
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const problems = entries.flatMap((e) => entryProblem(e) ?? []);
  if (entries.length === 0 || problems.length > 0) {
    r.problems.push(
      `TRUST_PROXY must list the proxies' addresses or CIDR ranges (e.g. 10.0.0.0/8,127.0.0.1) or ${NAMED_RANGES.join(', ')}` +
        (problems.length > 0 ? `: ${problems.join('; ')}` : ''),
    );
    return [];
  }
  return entries;
}
