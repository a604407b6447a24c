/**
 * Preloaded into a hub process by bench/consent only (`node -r`): turns the consent check into
 * "everything visible" and the audit into nothing, so the same read runs unchecked. It exists to
 * measure what consent and audit cost; nothing in the product loads it.
 */
import { resolve } from 'node:path';

// The same module files the hub loads, so the hub's classes are the ones patched.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const scoped = require(resolve(__dirname, '../../libs/consent/src/scoped/consent-scoped-repository.js')) as {
  ConsentScopedRepository: {
    prototype: { visibleIn(): (rows: readonly unknown[]) => Promise<boolean[]>; flush(): Promise<void> };
  };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const service = require(resolve(__dirname, '../../libs/consent/src/consent.service.js')) as {
  ConsentService: { prototype: { readAndDecide(): Promise<undefined> } };
};
scoped.ConsentScopedRepository.prototype.visibleIn = () => (rows) => Promise.resolve(rows.map(() => true));
scoped.ConsentScopedRepository.prototype.flush = () => Promise.resolve();
// A read then takes the plain path: the store's read, then the (patched) visibility check.
service.ConsentService.prototype.readAndDecide = () => Promise.resolve(undefined);
