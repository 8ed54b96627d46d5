import { accessSync, constants } from 'node:fs';
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
}

/**
 * Repository root: this file runs as src/main/toolchain.ts (tsx, jest) or dist/src/main/toolchain.js (tsc output).
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
  };
  const missing = [
    ...(temporal === undefined ? ['temporal'] : []),
    ...(['testServer', 'moto', 'python'] as const)
      .filter((key) => !isExecutable(paths[key]))
      .map((key) => path.basename(paths[key])),
  ];
  if (missing.length > 0) throw new ToolchainMissingError(missing);
  return paths;
}
