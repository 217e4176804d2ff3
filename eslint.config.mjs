// Lint for the whole repository: type-aware rules for TypeScript (sources, tests), plain rules for the JavaScript
// examples, benchmarks and scripts. Formatting is Prettier's job (`npm run format:check`), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      // AssemblyScript: TypeScript syntax with its own types (i32, usize, load<T>), which the TypeScript checker rejects.
      'packages/rego/runtime/assembly/**',
      'packages/rego/runtime/build/**',
      // Consumer programs the packaging test compiles itself, against the packed packages' own settings.
      'test/packaging/consumers/**',
    ],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // The package projects cover src/, test/tsconfig.json covers every test tree and the example typings.
        project: ['./packages/*/tsconfig.json', './test/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // JSON bodies, SDK results and parsed fixtures are `any` by nature; typing each access would be a large rewrite
      // for little gain, while the checks below still catch misuse of promises and types.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Functions stay `async` where an interface promises a Promise, so a throw becomes a rejection, not a sync throw.
      '@typescript-eslint/require-await': 'off',
      // The lexer and parser throw plain position records that parse() catches and turns into RegoCompileError.
      '@typescript-eslint/only-throw-error': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { ...globals.node },
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
);
