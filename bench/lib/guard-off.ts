/**
 * Preloaded into a hub process by bench/auth only (`node -r`): replaces the FHIR access guard
 * with one that verifies nothing — no header parsing, no token check, no scope check — and
 * hands every request the bench agency's access context, so consent and audit run as usual.
 * It exists to measure what the guard costs; nothing in the product loads it.
 */
import { resolve } from 'node:path';
import type { ExecutionContext } from '@nestjs/common';
import { parseScopes } from '@passerelle/identity';

const agency = process.env.BENCH_GUARD_OFF_AGENCY;
if (!agency) throw new Error('BENCH_GUARD_OFF_AGENCY is required');
// The same module file the hub loads, so the hub's guard class is the one patched.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const guards = require(resolve(__dirname, '../../apps/hub/src/auth/fhir-auth.guard.js')) as {
  FhirAuthGuard: { prototype: { canActivate(context: ExecutionContext): Promise<boolean> } };
};
const access = {
  agency,
  agencyKind: 'hospital',
  scopes: parseScopes('system/*.cruds'),
  purposeOfUse: 'TREAT',
  tokenId: 'guard-off',
};
guards.FhirAuthGuard.prototype.canActivate = function canActivate(
  context: ExecutionContext,
): Promise<boolean> {
  context.switchToHttp().getRequest<{ access?: unknown }>().access = access;
  return Promise.resolve(true);
};
