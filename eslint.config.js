// typescript-eslint's recommended rules over the sources, tests, benches and scripts.
import js from '@eslint/js'
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/', 'schema/', 'examples/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  comments.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        NodeJS: 'readonly',
        document: 'readonly',
        window: 'readonly',
      },
    },
    rules: {
      // `_name` marks a value left out on purpose (destructuring to drop a field)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // a disable comment must say why (`-- reason`)
      '@eslint-community/eslint-comments/require-description': 'error',
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  // the report page's script runs in the browser, next to Chart.js inlined before it
  { files: ['templates/**/*.js'], languageOptions: { globals: { Chart: 'readonly' } } },
)
