// @ts-check
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  // Anchored: the bare modules, not a file of ours named http (src/client/http.ts serves the browser too).
  '/http',
  '/https',
  'net',
  'zlib',
  'stream',
];

// The local stack (src/devstack) is tooling for `npm start`, tests and benchmarks: product code never imports it, so
// neither the image nor the package's runtime entry points carry it (only `logstream/testing` does).
const devstack = { group: ['**/devstack', '**/devstack/**'], message: 'product code does not import the local stack' };

const sdkClients = {
  group: ['@aws-sdk/*', '@temporalio/client', '@temporalio/worker'],
  message: 'SDK calls live in src/adapters',
};
const sdkAll = { group: ['@aws-sdk/*', '@temporalio/*'], message: 'a client of the API talks HTTP, not to the SDKs' };

/** `no-restricted-imports` with `patterns` and the local stack's, for `files`. */
function restrict(files, patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: [...patterns, devstack] }] } };
}

/** A part that must not import the parts named in `forbidden` (folders under src/), nor the local stack. */
function boundary(files, part, forbidden, extra) {
  const message = `${part} does not import src/{${forbidden}}`;
  return restrict(files, [...extra, { regex: `^(?:\\.\\./)+(?:${forbidden.join('|')})(?:/|$)`, message }]);
}

/** A part that imports only itself and the parts named in `allowed` (folders or modules under src/). */
function only(files, part, allowed, extra) {
  const message = `${part} imports only src/{${allowed}}`;
  // After all the `../`, the first folder must be an allowed one (files import their own folder with `./`).
  return restrict(files, [...extra, { regex: `^(?:\\.\\./)+(?!\\.\\./|(?:${allowed.join('|')})(?:/|$))`, message }]);
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'coverage/', 'test-results/', 'src/web/static/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is deterministic and sandboxed: no Node built-ins, SDKs, sockets or adapters.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'workflow code cannot use Node built-ins' },
            {
              group: ['@aws-sdk/*', 'ws', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
              message: 'not in workflow code',
            },
            {
              group: ['**/src/adapters/**', '**/src/api/**', '**/src/ws/**', '**/src/main/**', '**/src/ports/**'],
              message: 'workflows import only src/domain and activity types',
            },
            devstack,
          ],
        },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./)', message: 'src/domain imports nothing but itself' }] },
      ],
    },
  },
  {
    files: ['src/ports/**/*.ts', 'activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', '@temporalio/client', '@temporalio/worker'],
              message: 'SDK clients live in src/adapters',
            },
            {
              group: [
                '**/src/adapters/**',
                '**/adapters/**',
                '**/src/api/**',
                '**/src/ws/**',
                '**/src/main/**',
                '**/workflows/**',
              ],
              message: 'ports and activities import src/domain and src/ports only',
            },
            devstack,
          ],
        },
      ],
    },
  },
  {
    // The wire (REST bodies, WebSocket frames, close codes, the error catalogue): api, ws, client and the browser app
    // all import it, so it imports nothing, not even src/domain (and so no Node built-in).
    files: ['src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./)', message: 'src/contract imports nothing but itself' }] },
      ],
    },
  },
  boundary(
    ['src/api/**/*.ts'],
    'the REST API',
    ['ws', 'client', 'cli', 'web', 'plugin', 'adapters', 'main'],
    [sdkClients],
  ),
  boundary(
    ['src/ws/**/*.ts'],
    'the WebSocket tail',
    ['api', 'client', 'cli', 'web', 'plugin', 'adapters', 'main'],
    [sdkClients],
  ),
  // The HTTP client runs in Node and (its errors) in the browser app: the wire and the domain, nothing of a server.
  only(['src/client/**/*.ts'], 'the HTTP client', ['contract', 'domain'], [sdkAll]),
  only(
    ['src/cli/**/*.ts'],
    'the CLI (on the HTTP client)',
    ['client', 'contract', 'domain', 'config', 'config-schema'],
    [sdkAll],
  ),
  // The browser app: bundled for the browser, on the wire and the HTTP client only.
  only(
    ['src/web/app/**/*.ts'],
    'the browser app',
    ['contract', 'client'],
    [{ group: nodeBuiltins, message: 'the browser app has no Node built-ins' }, sdkAll],
  ),
  boundary(['src/plugin/**/*.ts'], 'the plugin', ['api', 'ws', 'cli', 'web', 'main'], []),
  // The composition of the processes (adapters, workers, provisioning): what src/main's entry points and the plugin
  // start; it serves no request itself.
  boundary(['src/compose/**/*.ts'], 'the composition', ['api', 'ws', 'cli', 'web', 'plugin', 'main', 'client'], []),
  // The SDK adapters implement the ports: they know nothing of who calls them.
  boundary(
    ['src/adapters/**/*.ts'],
    'an adapter',
    ['api', 'ws', 'cli', 'web', 'plugin', 'main', 'compose', 'client'],
    [],
  ),
  {
    // The rest of the product: the entry points, the web app's build. `npm start` (src/main/dev.ts) and
    // `logstream/testing` (src/testing) are the local stack's own entry points.
    files: ['src/main/**/*.ts', 'src/web/build.ts', 'src/config.ts'],
    ignores: ['src/main/dev.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [devstack] }] },
  },
  {
    // Unit tests start no server: a command they run finishes before they go on (spawnSync, execFile), and the
    // local stack, the API, the worker and Temporal's test servers belong to the integration project.
    files: ['test/unit/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'node:child_process',
              importNames: ['spawn', 'fork'],
              message: 'a unit test starts no server: long-lived processes belong in test/integration',
            },
            {
              name: 'child_process',
              importNames: ['spawn', 'fork'],
              message: 'a unit test starts no server: long-lived processes belong in test/integration',
            },
            {
              name: '@temporalio/testing',
              importNames: ['TestWorkflowEnvironment'],
              message: 'TestWorkflowEnvironment starts a Temporal server: workflow tests live in test/workflows',
            },
          ],
          patterns: [
            {
              group: [
                '**/support/harness',
                '**/support/global-setup',
                '**/support/stack-process',
                '**/support/temporal-server',
                '**/support/api-process',
                '**/support/worker-process',
                '**/support/haproxy-process',
                '**/devstack/moto_launcher*',
              ],
              message: 'these start servers: tests that use them belong in test/integration',
            },
            {
              group: ['**/devstack/local-stack', '**/main/server', '**/main/worker'],
              importNames: ['startLocalStack', 'startServer', 'startWorker'],
              message: 'these start servers: tests that use them belong in test/integration',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        process: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
