import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, toolchainPaths } from '../../../src/devstack/toolchain';

const root = repoRoot();
const installer = path.join(root, 'scripts', 'install-toolchain.sh');

describe('toolchainPaths', () => {
  test('resolves the installed executables inside .tools', () => {
    const paths = toolchainPaths();
    for (const file of [paths.temporal, paths.testServer, paths.moto, paths.python, paths.cfnLint])
      expect(file.startsWith(path.join(root, '.tools'))).toBe(true);
    expect(execFileSync(paths.temporal, ['--version'], { encoding: 'utf8' })).toMatch(/^temporal version /);
  });

  test('names what is missing and how to fix it', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'logstream-toolchain-'));
    try {
      let error: unknown;
      try {
        toolchainPaths(empty);
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({
        code: 'TOOLCHAIN_MISSING',
        missing: ['temporal', 'temporal-test-server', 'moto_server', 'python', 'cfn-lint'],
      });
      expect((error as Error).message).toContain('npm run toolchain');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('scripts/install-toolchain.sh', () => {
  // How fast that is belongs to `npm run bench` (toolchain figures), not to a test.
  test('is quiet and succeeds when everything is installed', () => {
    const result = spawnSync('bash', [installer], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });

  test('without python3 it says what is missing and how to get it', () => {
    // A copy in an empty checkout, with a PATH holding only what the script needs besides python3.
    const fake = mkdtempSync(path.join(os.tmpdir(), 'logstream-installer-'));
    try {
      mkdirSync(path.join(fake, 'scripts'));
      mkdirSync(path.join(fake, 'bin'));
      copyFileSync(installer, path.join(fake, 'scripts', 'install-toolchain.sh'));
      const which = (tool: string): string =>
        execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      for (const tool of ['dirname', 'mkdir', 'rm', 'cat']) symlinkSync(which(tool), path.join(fake, 'bin', tool));
      const result = spawnSync(which('bash'), [path.join(fake, 'scripts', 'install-toolchain.sh')], {
        encoding: 'utf8',
        env: { PATH: path.join(fake, 'bin') },
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('missing');
      expect(result.stderr).toContain('python3');
      expect(result.stderr).toContain('apt-get install python3 python3-venv');
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });
});
