/**
 * Preloaded into a hub process by bench/consent only (`node -r`): the consent check answers
 * "everything visible", the audit records as in production. With bench/lib/audit-off it splits
 * what a checked read costs between the consent check and the audit (`--split`); nothing in the
 * product loads it.
 */
import { resolve } from 'node:path';

// The same module files the hub loads, so the hub's classes are the ones patched.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const scoped = require(resolve(__dirname, '../../libs/consent/src/scoped/consent-scoped-repository.js')) as {
  ConsentScopedRepository: { prototype: { visibleIn(): (rows: readonly unknown[]) => Promise<boolean[]> } };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const service = require(resolve(__dirname, '../../libs/consent/src/consent.service.js')) as {
  ConsentService: { prototype: { readAndDecide(): Promise<undefined> } };
};
scoped.ConsentScopedRepository.prototype.visibleIn = () => (rows) => Promise.resolve(rows.map(() => true));
// A read then takes the plain path: the store's read, then the (patched) visibility check.
service.ConsentService.prototype.readAndDecide = () => Promise.resolve(undefined);
