/**
 * Preloaded into a hub process by bench/consent only (`node -r`): the audit records nothing, the
 * consent check runs as in production. With bench/lib/consent-off it splits what a checked read
 * costs between the consent check and the audit (`--split`); nothing in the product loads it.
 */
import { resolve } from 'node:path';

// The same module file the hub loads, so the hub's class is the one patched.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const scoped = require(resolve(__dirname, '../../libs/consent/src/scoped/consent-scoped-repository.js')) as {
  ConsentScopedRepository: { prototype: { flush(): Promise<void> } };
};
scoped.ConsentScopedRepository.prototype.flush = () => Promise.resolve();
