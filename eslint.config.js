// Lint. Layer boundaries are allow-lists in eslint-layers.js (vscode's code-import-patterns style): each
// layer names what it may import — an engine only engines/common, src/shared, Node builtins and its
// declared npm packages; src/shared only zod; the renderer only shared, its own files and its UI
// packages; the preload only electron and shared. What the layers are for: docs/architecture.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';
import globals from 'globals';
import { layersPlugin } from './eslint-layers.js';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'out-*/**',
      '**/out-*/**',
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
    files: ['src/**/*.ts', 'src/**/*.mts', 'src/**/*.vue'],
    plugins: { layers: layersPlugin },
    rules: {
      'layers/imports': 'error',
      // A module past 500 lines holds more than one concern: split it (parser, state, orchestrator).
      'max-lines': ['error', { max: 500 }],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Vitest runs many test files in one module graph (isolate: false), so a helper module is imported
    // once per worker: a hook it registers at import belongs to the first file that imported it, and
    // the next files' cleanups never run. Helpers register cleanups with the test (onTestFinished).
    files: ['tests/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'Program > ExpressionStatement > CallExpression[callee.name=/^(before|after)(Each|All)$/]',
          message:
            'A shared test helper registers no hooks at import (Vitest imports it once per worker); use onTestFinished in the function that needs the cleanup.',
        },
      ],
    },
  },
);
