import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// The package's entry points (package.json `exports`): each names a built file and its declarations under dist/, at the
// place that mirrors a source that exists and exports what the README shows. test/integration/package.test.ts packs
// and installs them.
const root = path.join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string } | string>;
};

const expected: Record<string, string[]> = {
  '.': ['LogstreamPlugin', 'LogstreamWorkflowClient', 'LoggedExecutionHandle', 'ExecutionNotFoundError', 'ApiError'],
  './workflow': ['startLoggedExecution', 'LoggedExecution', 'DEFAULT_TIMINGS'],
  './client': ['LogstreamClient', 'ExecutionHandle', 'ApiError', 'ExecutionNotFoundError', 'LogNotSealedError'],
  './testing': ['LogstreamTestEnvironment', 'ExecutableUnusableError'],
};

/** The source a built file under dist/ comes from (what tsc writes with rootDir '.'). */
function sourceOf(built: string): string {
  return built.replace(/^\.\/dist\//, '').replace(/\.(d\.ts|js)$/, '.ts');
}

describe('package entry points', () => {
  it.each(Object.entries(expected))('%s exports its API from typed sources', (entry, names) => {
    const target = pkg.exports[entry];
    if (typeof target !== 'object') throw new Error(`exports['${entry}'] is not a conditional entry`);
    expect(target.default).toMatch(/^\.\/dist\/.*\.js$/);
    expect(target.types).toBe(target.default.replace(/\.js$/, '.d.ts'));
    const source = path.join(root, sourceOf(target.default));
    expect(existsSync(source)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(source) as Record<string, unknown>;
    for (const name of names) expect(module[name]).toBeDefined();
  });

  it.each(['.', './workflow', './client'])(
    '%s (a runtime entry point) imports nothing of the local stack (src/devstack)',
    (entry) => {
      const target = pkg.exports[entry] as { default: string };
      const compiled = ts
        .createProgram([path.join(root, sourceOf(target.default))], { noResolve: false, allowJs: false })
        .getSourceFiles()
        .map((file) => path.relative(root, file.fileName))
        .filter((file) => !file.startsWith('node_modules/'));
      expect(compiled.length).toBeGreaterThan(1);
      expect(compiled.filter((file) => file.startsWith('src/devstack/'))).toEqual([]);
    },
  );

  it('a name users can import is one class: the entry points share each error class, and no server error reuses a name', () => {
    const exported = (entry: string): Record<string, unknown> => {
      const target = pkg.exports[entry] as { default: string };
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(path.join(root, sourceOf(target.default))) as Record<string, unknown>;
    };
    const entries = ['.', './client', './testing'].map(exported);
    const userClasses = new Map<string, unknown>();
    for (const module of entries) {
      for (const [name, value] of Object.entries(module)) {
        if (typeof value !== 'function' || !/Error$/.test(name)) continue;
        if (userClasses.has(name)) expect([name, userClasses.get(name) === value]).toEqual([name, true]);
        userClasses.set(name, value);
      }
    }
    expect([...userClasses.keys()]).toEqual(expect.arrayContaining(['ExecutionNotFoundError', 'LogNotSealedError']));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const server = [require('../../../src/domain'), require('../../../src/ports')] as Record<string, unknown>[];
    const clashes = server.flatMap((module) =>
      Object.entries(module)
        .filter(([name, value]) => userClasses.has(name) && userClasses.get(name) !== value)
        .map(([name]) => name),
    );
    expect(clashes).toEqual([]);
  });

  it('the bin runs compiled JavaScript', () => {
    const bins = pkg.bin;
    expect(Object.values(bins)).toEqual(['dist/src/cli/main.js']);
    expect(readFileSync(path.join(root, 'src', 'cli', 'main.ts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('main and types point at the plugin entry', () => {
    expect(pkg.main).toBe((pkg.exports['.'] as { default: string }).default);
    expect(pkg.types).toBe((pkg.exports['.'] as { types: string }).types);
  });
});
