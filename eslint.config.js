import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'deploy/**', '.serin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // House rule 7: files stay readable (500 lines hard everywhere; 400 under src/, where a file
    // that grows past it is split by concern) and functions small and flat.
    files: ['**/*.ts'],
    rules: { 'max-lines': ['error', { max: 500 }] },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/**/*.test-support.ts'],
    rules: {
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-statements': ['error', 40],
    },
  },
  {
    // House rule 1: the engine (and the statistical judge) is a functional core. No I/O, no
    // clocks, no client libraries.
    files: ['src/engine/**/*.ts', 'src/judge/**/*.ts'],
    ignores: ['src/engine/**/*.test.ts', 'src/judge/**/*.test.ts', 'src/**/*.test-support.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'http', 'https', 'net', 'child_process'],
              message: 'the functional core performs no I/O',
            },
            { group: ['@kubernetes/*', 'pino', 'undici'], message: 'the functional core takes no client libraries' },
            {
              group: ['../controller/*', '../kube/*', '../targets/*', '../routers/*', '../metrics/*'],
              message: 'the functional core depends on no adapter',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'time comes in as a parameter' },
        { object: 'Math', property: 'random', message: 'randomness comes in as a parameter' },
      ],
    },
  },
  {
    // The dashboard page (src/dashboard/ui/, browser code bundled by esbuild): the same size limits
    // as the rest of src/, no Node modules, nothing from the server's code but the shared model,
    // and data never rendered as markup (the page's CSP forbids inline styles too).
    files: ['src/dashboard/ui/**/*.ts', 'src/dashboard/ui/**/*.tsx'],
    rules: {
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-statements': ['error', 40],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'the page runs in the browser' },
            { group: ['../*', '!../model.js'], message: 'the page shares only src/dashboard/model.ts with the server' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']",
          message: 'render data as text, never as markup',
        },
        {
          selector: 'AssignmentExpression > MemberExpression.left[property.name=/^(innerHTML|outerHTML)$/]',
          message: 'render data as text, never as markup',
        },
        {
          selector: 'CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln)$/]',
          message: 'render data as text, never as markup',
        },
        {
          selector: "JSXAttribute[name.name='style'][value.type='Literal']",
          message: 'a style string is an inline style attribute, refused by the CSP: use a class in app.css',
        },
      ],
    },
  },
  {
    // Tests edit manifests parsed from YAML as plain data, the way a user edits a file.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
