import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The package's entry points (package.json `exports`): each names typed sources that exist and export what the README
// shows, and a built file at the mirrored place under dist/.
const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  exports: Record<string, { types: string; default: string } | string>;
};

const expected: Record<string, string[]> = {
  '.': ['LogstreamPlugin', 'LogstreamWorkflowClient', 'LoggedExecutionHandle', 'ExecutionNotFoundError'],
  './workflow': ['startLoggedExecution', 'LoggedExecution', 'DEFAULT_TIMINGS'],
  './client': ['LogstreamClient', 'ExecutionHandle', 'ApiError', 'ExecutionNotFoundError', 'LogNotSealedError'],
};

describe('package entry points', () => {
  it.each(Object.entries(expected))('%s exports its API from typed sources', (entry, names) => {
    const target = pkg.exports[entry];
    if (typeof target !== 'object') throw new Error(`exports['${entry}'] is not a conditional entry`);
    expect(existsSync(path.join(root, target.types))).toBe(true);
    // The built file mirrors the source under dist/ (what tsc writes with rootDir '.').
    expect(target.default).toBe(`./dist/${target.types.slice(2).replace(/\.ts$/, '.js')}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(path.join(root, target.types)) as Record<string, unknown>;
    for (const name of names) expect(module[name]).toBeDefined();
  });

  it('main and types point at the plugin entry', () => {
    expect(pkg.main).toBe((pkg.exports['.'] as { default: string }).default);
    expect(pkg.types).toBe((pkg.exports['.'] as { types: string }).types);
  });
});
