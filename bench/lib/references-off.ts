/**
 * Preloaded into a hub process by bench/ingest only (`node -r`): turns off the check that a
 * write's references name what its writer may see, so the same ingest runs without it. It
 * exists to measure what the check costs; nothing in the product loads it.
 */
import { resolve } from 'node:path';

// The same module file the hub loads (compiled to CommonJS, its callers read the export at each
// call), so replacing the export turns the check off.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const check = require(resolve(__dirname, '../../libs/store/src/references/reference-check.js')) as Record<
  string,
  unknown
>;
if (typeof check.checkWrittenReferences !== 'function')
  throw new Error('checkWrittenReferences is gone: bench/lib/references-off needs updating');
check.checkWrittenReferences = () => Promise.resolve();
