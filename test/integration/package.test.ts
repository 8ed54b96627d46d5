// The package as a user installs it: `npm pack`, then the tarball installed into a new project beside the Temporal SDK
// from the npm registry. The README's own usage snippets (the code blocks marked `<!-- package-test: FILE -->`) are
// that project's sources, compiled with `tsc --strict` and run on the local stack: a user worker with
// `new LogstreamPlugin()` configured from the environment, a user workflow calling `startLoggedExecution`, and the HTTP
// client's `follow()` against the packaged API; the packaged CLI then reads the same log.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { findFreePort } from '../../src/devstack/local-stack';
import { waitFor } from '../support/harness';
import { withParentDeathSignal } from '../support/parent-death';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const MARKER = /<!-- package-test: (\S+) -->\s*```ts\n([\s\S]*?)```/g;
// Long steps (build, install) are bounded by Jest's timeout, never by a sleep.
jest.setTimeout(600_000);

/** The README's marked snippets, by the file name each one becomes in the user's project. */
function readmeSnippets(): Map<string, string> {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  return new Map([...readme.matchAll(MARKER)].map(([, file, code]) => [file as string, code as string]));
}

/** The version of `name` this repository installs (the user's project pins the same). */
function repoVersion(name: string): string {
  return (
    JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  ).version;
}

/** A child process's output so far and its exit. */
interface Child {
  readonly process: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

function start(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Child {
  const [command, argv] = withParentDeathSignal(file, args);
  const child = spawn(command, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

/** A regular file (not a deleted one, a folder or a link such as a checkout's `.tools`). */
function isFile(file: string): boolean {
  return lstatSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

let scratch: string;
const children: Child[] = [];

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'logstream-package-'));
});

afterAll(async () => {
  for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
  await Promise.all(children.map((child) => child.exited));
  rmSync(scratch, { recursive: true, force: true });
});

describe('the packed package in a user project', () => {
  it('installs beside the Temporal SDK, compiles the README snippets strictly, and runs them on the local stack', async () => {
    const snippets = readmeSnippets();
    expect([...snippets.keys()].sort()).toEqual(['follow.ts', 'worker.ts', 'workflows.ts']);

    // Pack exactly as `npm publish` would (prepack builds), into the scratch folder. The build runs in a copy of the
    // checkout (its files, this node_modules), so the repository's own dist/ stays as the other tests expect it.
    const checkout = path.join(scratch, 'checkout');
    const listed = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    const files = listed.stdout.split('\0').filter((name) => name !== '' && isFile(path.join(root, name)));
    for (const file of files) {
      mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
      copyFileSync(path.join(root, file), path.join(checkout, file));
    }
    symlinkSync(path.join(root, 'node_modules'), path.join(checkout, 'node_modules'));
    const packed = await run(npm, ['pack', '--json', '--pack-destination', scratch], {
      cwd: checkout,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [tarball] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    if (tarball === undefined) throw new Error('npm pack reported no tarball');
    const paths = tarball.files.map((file) => file.path);
    expect(paths.filter((file) => /^(test|bench|infra)\//.test(file) || /\.test\./.test(file))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'dist/src/plugin/index.d.ts', 'dist/src/cli/main.js']));

    // A new user project: the tarball and the SDK (the repository's versions), from the registry through npm's cache.
    const app = path.join(scratch, 'app');
    const src = path.join(app, 'src');
    rmSync(app, { recursive: true, force: true });
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'user-app', private: true }));
    const sdk = ['worker', 'client', 'workflow'].map(
      (name) => `@temporalio/${name}@${repoVersion(`@temporalio/${name}`)}`,
    );
    await run(
      npm,
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        path.join(scratch, tarball.filename),
        ...sdk,
        `@types/node@${repoVersion('@types/node')}`,
      ],
      { cwd: app, maxBuffer: 64 * 1024 * 1024 },
    );

    for (const [file, code] of snippets) writeFileSync(path.join(src, file), code);
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          types: ['node'],
          // The SDK's own declarations do not all pass strict checks (`ms` has none under node16 resolution).
          skipLibCheck: true,
          outDir: 'dist',
          rootDir: 'src',
        },
        include: ['src'],
      }),
    );
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const compiled = await run(process.execPath, [tsc, '-p', app]).catch((error: { stdout?: string }) => {
      throw new Error(`the README snippets do not compile:\n${error.stdout ?? String(error)}`);
    });
    expect(compiled.stdout).toBe('');

    // The user's worker, configured from the environment only (the stack's TEMPORAL_*, AWS_*, LOGSTREAM_*).
    const env = { ...process.env, NODE_ENV: 'production' };
    const worker = start(process.execPath, [path.join(app, 'dist', 'worker.js')], { cwd: app, env });
    children.push(worker);

    // The packaged API, for the HTTP client and the CLI.
    const port = await findFreePort('127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const packagedServer = path.join(app, 'node_modules', 'logstream', 'dist', 'src', 'main', 'server.js');
    const api = start(process.execPath, [packagedServer], {
      cwd: app,
      env: { ...env, LOGSTREAM_HOST: '127.0.0.1', LOGSTREAM_PORT: String(port) },
    });
    children.push(api);
    await waitFor(`the packaged API on ${url}`, async () => {
      if (api.process.exitCode !== null) throw new Error(`the API exited: ${api.output()}`);
      return (await fetch(`${url}/healthz`)).ok ? true : undefined;
    });

    // The user's workflow on the user's task queue runs a logged job on logstream's and returns once it is sealed.
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS as string });
    let result: { executionId: string; status: string; lastIndex: number };
    try {
      const client = new Client({ connection });
      const handle = await client.workflow.start('nightlyReport', {
        taskQueue: 'my-app',
        workflowId: `package-test-${Date.now()}`,
        args: [],
      });
      const workerGone = worker.exited.then((code) => {
        throw new Error(`the user's worker exited (${code}) before the workflow ended:\n${worker.output()}`);
      });
      result = await Promise.race([handle.result() as Promise<typeof result>, workerGone]);
    } finally {
      await connection.close();
    }
    expect(result).toEqual({ executionId: expect.any(String), status: 'SUCCEEDED', lastIndex: 2 });

    // The README's HTTP client snippet follows the log to its seal.
    const follow = start(process.execPath, [path.join(app, 'dist', 'follow.js'), result.executionId], {
      cwd: app,
      env: { ...env, LOGSTREAM_URL: url },
    });
    children.push(follow);
    expect(await follow.exited).toBe(0);
    expect(follow.output()).toBe('1 report: 3 rows\n2 report: done\nsealed: SUCCEEDED last index 2\n');

    // The packaged CLI (the bin npm linked, compiled JavaScript) reads the same log.
    const bin = path.join(app, 'node_modules', '.bin', 'logstream');
    const cli = await run(bin, ['logs', result.executionId, '--url', url], { cwd: app, env });
    expect(cli.stdout).toBe('report: 3 rows\nreport: done\n');

    // SIGTERM stops the user's worker, and logstream's with it: the process exits.
    worker.process.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    api.process.kill('SIGTERM');
    await api.exited;
  });
});
