// Lint, including the layer boundaries described in docs/architecture.md (after vscode's code-layering rules):
//   src/shared   imports nothing runtime-specific (no node:, electron, DOM-only code, no other layer)
//   src/main/engines never imports electron (runs and is tested under plain Node)
//   src/renderer never imports main, server, cli or node:; only shared and its own files
//   src/preload  imports only electron and shared
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';
import globals from 'globals';

// Bare builtin names are matched exactly (`paths`), so a module such as stores/tls.ts is not mistaken
// for node's tls; `node:*` and the layer globs are gitignore-style patterns.
const bareBuiltins = ['fs', 'path', 'net', 'tls', 'dgram', 'http', 'https', 'http2', 'crypto', 'os'];
bareBuiltins.push('child_process', 'stream', 'util', 'events', 'url', 'zlib', 'dns');
const nodeBuiltins = ['node:*', ...bareBuiltins.map((name) => ({ exact: name }))];

function restrict(entries, message) {
  const names = entries.filter((e) => typeof e === 'object').map((e) => ({ name: e.exact, message }));
  const globs = entries.filter((e) => typeof e === 'string');
  return { 'no-restricted-imports': ['error', { paths: names, patterns: [{ group: globs, message }] }] };
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'out-*/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'build/**',
      '.bench/**',
      '.tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty-pattern': 'off',
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] },
      globals: { ...globals.browser },
    },
    rules: {
      // Formatting is Prettier's business; these stylistic rules fight it.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
      'vue/attributes-order': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/no-v-html': 'error',
      'vue/no-v-text-v-html-on-component': 'error',
    },
  },
  {
    files: ['src/shared/**'],
    rules: restrict(
      [
        ...nodeBuiltins,
        'electron',
        'electron/*',
        'vue',
        'pinia',
        '**/main/**',
        '**/renderer/**',
        '**/server/**',
        '**/cli/**',
        '**/preload/**',
        'ws',
      ],
      'src/shared is the contract: no runtime-specific imports.',
    ),
  },
  {
    files: [
      'src/main/engines/**',
      'src/main/dispatcher/**',
      'src/main/storage/**',
      'src/main/services.ts',
      'src/main/app/**',
      'src/server/**',
      'src/cli/**',
    ],
    ignores: ['src/main/index.ts', 'src/main/ipc/**'],
    rules: restrict(
      ['electron', 'electron/*', '**/renderer/**', '**/preload/**', 'vue', 'pinia'],
      'Engines and Node shells never import electron or renderer code.',
    ),
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      [
        ...nodeBuiltins,
        'electron',
        'electron/*',
        '**/main/**',
        '**/server/**',
        '**/cli/**',
        '**/preload/**',
        'ws',
      ],
      'The renderer talks only to the API object (src/renderer/api) and src/shared.',
    ),
  },
  {
    files: ['src/preload/**'],
    rules: restrict(
      [...nodeBuiltins, '**/main/**', '**/renderer/**', '**/server/**', '**/cli/**', 'vue', 'pinia', 'ws'],
      'The preload only builds the API object from the shared contract.',
    ),
  },
);
