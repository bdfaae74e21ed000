import tseslint from 'typescript-eslint';
import localRules from './eslint/noImportCycle.mjs';

/**
 * Besides the usual TypeScript rules, this file enforces the architecture's
 * boundaries (docs: ../shared/design/architecture.md, principle 6):
 * shared imports no electron/node/DOM; the core imports no electron; the
 * renderer never imports main; the preload imports only shared and electron;
 * and no module under src/ takes part in an import cycle (eslint/noImportCycle.mjs).
 */
const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'stream', 'events', 'util', 'zlib'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'bench/results/**', 'resources/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }]
    }
  },
  {
    // A domain states what it needs and gets it passed in; a cycle means two modules that only make sense together.
    files: ['src/**/*.{ts,tsx,mts,cts}'],
    plugins: { local: localRules },
    rules: { 'local/no-import-cycle': ['error', { root: 'src' }] }
  },
  {
    // Plain CommonJS launchers that run before anything is built.
    files: ['bin/**/*.js', 'scripts/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'src/shared must not import electron.' },
            { group: nodeBuiltins, message: 'src/shared must not import Node built-ins.' },
            { group: ['react', 'react-dom', '**/renderer/**', '**/main/**', '**/preload/**'], message: 'src/shared imports nothing of the app.' }
          ]
        }
      ]
    }
  },
  {
    files: ['src/main/core/**/*.ts', 'src/main/cli/**/*.ts', 'src/main/cadsim/**/*.ts', 'src/main/devices/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'The core is Electron-free: only src/main/index.ts, window/ and ipc/ may import electron.' },
            { group: ['react', 'react-dom', '**/renderer/**'], message: 'The core must not import the renderer or the DOM.' }
          ]
        }
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage']
    }
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/main/**', '**/preload/**', 'electron', 'electron/*'], message: 'The renderer talks to the core only through src/renderer/src/lib/api.' },
            { group: nodeBuiltins, message: 'The renderer runs in a browser: no Node built-ins.' }
          ]
        }
      ]
    }
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/main/**', '**/renderer/**'], message: 'The preload imports only src/shared and electron.' },
            { group: nodeBuiltins, message: 'The preload is sandboxed: no Node built-ins.' }
          ]
        }
      ]
    }
  }
);
