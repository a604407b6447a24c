/**
 * Preloaded into a hub process by bench/ingest only (`node -r`): turns off the check that a
 * write's references name what its writer may see, so the same ingest runs without it. It
 * exists to measure what the check costs; nothing in the product loads it.
 */
import { resolve } from 'node:path';

// The same module file the hub loads, so the hub's class is the one patched.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const store = require(resolve(__dirname, '../../libs/store/src/fhir-repository.js')) as {
  FhirRepository: { prototype: Record<string, unknown> };
};
if (typeof store.FhirRepository.prototype.checkReferences !== 'function')
  throw new Error('FhirRepository.checkReferences is gone: bench/lib/references-off needs updating');
store.FhirRepository.prototype.checkReferences = () => Promise.resolve();
