/** Jest: unit specs (*.spec.ts), integration specs on real PostgreSQL/PGlite (*.int-spec.ts)
 * and end-to-end specs (test/e2e/*.e2e-spec.ts) in one run. SWC transpiles; `tsc --noEmit`
 * in `npm test` type-checks. PGlite loads its WASM with a dynamic import(), hence
 * NODE_OPTIONS=--experimental-vm-modules in the test script. */
const swc = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const swcJsx = {
  ...swc,
  jsc: {
    ...swc.jsc,
    parser: { syntax: 'typescript', tsx: true, decorators: true },
    transform: { ...swc.jsc.transform, react: { runtime: 'automatic', importSource: '@passerelle/web' } },
  },
};

/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.{spec,int-spec,e2e-spec}.ts'],
  transform: {
    '^.+\\.(t|j)s$': ['@swc/jest', swc],
    // The pages' views: JSX compiled against libs/web's runtime, as tsc does (tsconfig.json).
    '^.+\\.tsx$': ['@swc/jest', swcJsx],
  },
  // ESM-only packages are transpiled to CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(fhir-kit-client|content-disposition)/)'],
  moduleNameMapper: {
    '^@passerelle/testing$': '<rootDir>/test/support/index.ts',
    '^@passerelle/testing-lib$': '<rootDir>/test/support/lib.ts',
    '^@passerelle/web/jsx-runtime$': '<rootDir>/libs/web/src/jsx/jsx-runtime.ts',
    // The letters' PDF reader, for tests of the libs that print (libs/letters/src/testing).
    '^@passerelle/letters/testing$': '<rootDir>/libs/letters/src/testing/index.ts',
    '^@passerelle/consent/paper-form$': '<rootDir>/libs/consent/src/paper-form.ts',
    '^@passerelle/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // The run's shared directory: where the embedded database's template is built once.
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
