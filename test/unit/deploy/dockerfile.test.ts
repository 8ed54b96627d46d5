// The image, read statically (no Docker engine here): multi-stage, production dependencies only, a non-root user and a
// HEALTHCHECK, and a final stage that holds only what the package's `files` lists, compiled from the runtime's entry
// points, with no test, bench, infra or local-stack (devstack) file among them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../../../src/devstack/toolchain';

const root = repoRoot();

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** The Dockerfile's stages and their instructions (continuation lines joined, comments dropped). */
function readStages(): Stage[] {
  const text = readFileSync(path.join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(trimmed) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      stages.push({ name: /\sAS\s+(\S+)$/i.exec(args)?.[1], instructions: [] });
    }
    stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

/** `COPY [--from=STAGE] SRC... DEST` → the stage (undefined = the build context) and the sources. */
function copies(stage: Stage): { from: string | undefined; sources: string[] }[] {
  return stage.instructions
    .filter((instruction) => instruction.keyword === 'COPY')
    .map((instruction) => {
      const words = instruction.args.split(/\s+/);
      const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((word) => !word.startsWith('--'));
      return { from, sources: paths.slice(0, -1) };
    });
}

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  files: string[];
  scripts: Record<string, string>;
};

// The local stack: tooling for `npm start`, tests and benchmarks, never part of the product (STYLE.md's devstack).
const DEVSTACK = [/^src\/devstack\//, /^src\/main\/dev\.ts$/, /\.py$/];
const NOT_PRODUCT = [/^test\//, /^bench\//, /^infra\//, ...DEVSTACK];

describe('Dockerfile', () => {
  const stages = readStages();
  const final = stages.at(-1) as Stage;

  test('has a build stage, a production-dependencies stage and a final stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const build = stages.find((stage) => stage.instructions.some((i) => /npm run build:runtime/.test(i.args)));
    expect(build?.name).toBeDefined();
    expect(build).not.toBe(final);
  });

  test('the final stage takes node_modules from a stage that installs production dependencies only', () => {
    const modules = copies(final).find((copy) => copy.sources.some((source) => source.endsWith('/node_modules')));
    const from = stages.find((stage) => stage.name === modules?.from);
    expect(from?.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args)).toEqual([
      expect.stringMatching(/^npm ci --omit=dev /),
    ]);
    expect(final.instructions.some((i) => i.keyword === 'RUN')).toBe(false);
  });

  test('the final stage copies only what the package lists in `files` (and package.json)', () => {
    const covered = (file: string): boolean =>
      pkg.files.some((entry) => file === entry || file.startsWith(`${entry.replace(/\/$/, '')}/`));
    for (const copy of copies(final)) {
      for (const source of copy.sources) {
        if (copy.from === undefined) expect(source).toBe('package.json');
        else if (!source.endsWith('/node_modules'))
          expect({ source, covered: covered(source.replace(/^\/app\//, '')) }).toEqual({ source, covered: true });
      }
    }
  });

  test('the package lists no test, bench or infra file, and of the local stack only what `logstream/testing` runs', () => {
    // `logstream/testing` starts the local stack from a user's tests: it runs the emulator's launcher (compiled
    // devstack code comes with dist/src); the image copies neither.
    const forTesting = ['src/devstack/moto_launcher/*.py'];
    for (const entry of pkg.files.filter((file) => !forTesting.includes(file)))
      for (const pattern of NOT_PRODUCT) expect({ entry, match: pattern.test(entry) }).toEqual({ entry, match: false });
    for (const copy of copies(final)) for (const source of copy.sources) expect(forTesting).not.toContain(source);
  });

  test('what the build compiles (the runtime entry points and their imports) holds no test, bench, infra or devstack file', () => {
    expect(pkg.scripts['build:runtime']).toMatch(/^tsc -p tsconfig\.build\.json /);
    const configPath = path.join(root, 'tsconfig.build.json');
    const parsed = ts.parseJsonConfigFileContent(
      ts.readConfigFile(configPath, (file) => ts.sys.readFile(file)).config,
      ts.sys,
      root,
    );
    const compiled = ts
      .createProgram(parsed.fileNames, parsed.options)
      .getSourceFiles()
      .map((file) => path.relative(root, file.fileName))
      .filter((file) => !file.startsWith('node_modules/'));
    expect(compiled).toContain('src/main/server.ts');
    expect(compiled).toContain('src/main/worker.ts');
    expect(compiled.filter((file) => NOT_PRODUCT.some((pattern) => pattern.test(file)))).toEqual([]);
  });

  test('runs as a non-root user, with a HEALTHCHECK and the API as its command', () => {
    const user = final.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const healthcheck = final.instructions.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toMatch(/CMD .*\/healthz/);
    expect(final.instructions.filter((i) => i.keyword === 'CMD').at(-1)?.args).toBe(
      '["node", "dist/src/main/server.js"]',
    );
  });

  test('every stage starts from one pinned Node image', () => {
    const arg = stages[0]?.instructions[0];
    const fromArgs = stages.map((stage) => stage.instructions.find((i) => i.keyword === 'FROM')?.args ?? '');
    expect(fromArgs.every((from) => from.startsWith('${NODE_IMAGE}'))).toBe(true);
    const preamble = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(preamble).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-[a-z]+-slim$/m);
    expect(arg?.keyword).toBe('FROM');
  });
});
