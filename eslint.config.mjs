import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import jest from 'eslint-plugin-jest';

/**
 * Libs are reached through their index.ts only (`allowed`: the exceptions, as negated patterns),
 * and the consent lib's pure paper-form vocabulary, which the pure letters renderer prints.
 */
function libBoundaries(allowed) {
  return [
    {
      group: ['@passerelle/*/*', '!@passerelle/consent/paper-form', ...allowed],
      message: 'Import a lib through its index: @passerelle/<lib>.',
    },
    { group: ['**/libs/*', '**/libs/**', '**/apps/**'], message: 'Use the @passerelle/<lib> alias.' },
  ];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Libs are reached through their index.ts only; apps never reach into a lib's folders.
    // (End-to-end support under test/ may build an app.)
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'apps/**/*.tsx', 'libs/**/*.tsx'],
    rules: { 'no-restricted-imports': ['error', { patterns: libBoundaries([]) }] },
  },
  {
    // Tests of the libs that print read their PDFs back with the letters' reader.
    files: ['libs/**/*.spec.ts', 'libs/**/*.int-spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: libBoundaries(['!@passerelle/letters/testing']) }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    plugins: { jest },
    rules: {
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      '@typescript-eslint/unbound-method': 'off',
      // HTTP response bodies (supertest) are untyped JSON that the assertions inspect.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
