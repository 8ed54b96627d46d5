import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ToolchainMissingError } from './errors';

/** Executables installed by scripts/install-toolchain.sh. */
export interface ToolchainPaths {
  /** `temporal` CLI (dev server); also what TestWorkflowEnvironment.createLocal runs. */
  temporal: string;
  /** Java time-skipping test server for TestWorkflowEnvironment.createTimeSkipping. */
  testServer: string;
  /** `moto_server`: CloudWatch Logs + DynamoDB emulator on one port. */
  moto: string;
  /** The venv's Python (has PyYAML, a moto dependency). */
  python: string;
  /** `cfn-lint`, AWS's CloudFormation validator (the CDK app's templates). */
  cfnLint: string;
}

/**
 * Repository root: this file runs as src/devstack/toolchain.ts (tsx, jest) or dist/src/devstack/toolchain.js (tsc output).
 */
export function repoRoot(): string {
  const candidate = path.resolve(__dirname, '..', '..');
  return path.basename(candidate) === 'dist' ? path.dirname(candidate) : candidate;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves the toolchain executables under `root`/.tools; throws ToolchainMissingError naming what is absent. */
export function toolchainPaths(root: string = repoRoot()): ToolchainPaths {
  const venvBin = path.join(root, '.tools', 'venv', 'bin');
  // The wheel puts `temporal` into the venv; the Go fallback of the installer puts it into .tools/bin.
  const temporalCandidates = [path.join(venvBin, 'temporal'), path.join(root, '.tools', 'bin', 'temporal')];
  const temporal = temporalCandidates.find(isExecutable);
  const paths = {
    temporal: temporal ?? path.join(venvBin, 'temporal'),
    testServer: path.join(venvBin, 'temporal-test-server'),
    moto: path.join(venvBin, 'moto_server'),
    python: path.join(venvBin, 'python'),
    cfnLint: path.join(venvBin, 'cfn-lint'),
  };
  const missing = [
    ...(temporal === undefined ? ['temporal'] : []),
    ...(['testServer', 'moto', 'python', 'cfnLint'] as const)
      .filter((key) => !isExecutable(paths[key]))
      .map((key) => path.basename(paths[key])),
  ];
  if (missing.length > 0) throw new ToolchainMissingError(missing);
  return paths;
}

const botocoreDataDirs = new Map<string, string>();

/**
 * The botocore `data` directory (AWS service models) inside the toolchain venv; botocore comes with moto.
 * Globs `.tools/venv/lib/python3.*` (newest Python first) and otherwise asks the venv's Python once; cached per root.
 */
export function botocoreDataDir(root: string = repoRoot()): string {
  const cached = botocoreDataDirs.get(root);
  if (cached !== undefined) return cached;
  const lib = path.join(root, '.tools', 'venv', 'lib');
  const pythons = existsSync(lib) ? readdirSync(lib).filter((name) => /^python3\.\d+$/.test(name)) : [];
  pythons.sort((a, b) => Number(b.slice('python3.'.length)) - Number(a.slice('python3.'.length)));
  let found = pythons
    .map((name) => path.join(lib, name, 'site-packages', 'botocore', 'data'))
    .find((dir) => existsSync(dir));
  if (found === undefined) found = botocoreDataDirOf(path.join(root, '.tools', 'venv', 'bin', 'python'));
  if (found === undefined) throw new ToolchainMissingError(['botocore']);
  botocoreDataDirs.set(root, found);
  return found;
}

/**
 * The botocore `data` directory of the Python `python` (one with moto installed), asked of that Python; undefined when
 * it has no botocore. A venv laid out differently (lib64, a distribution's own layout) still knows where it is.
 */
export function botocoreDataDirOf(python: string): string | undefined {
  if (!isExecutable(python)) return undefined;
  try {
    const script = 'import os, botocore; print(os.path.join(os.path.dirname(botocore.__file__), "data"))';
    const dir = execFileSync(python, ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dir !== '' && existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}
