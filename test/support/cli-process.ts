import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The `logstream` command's entry point (the package's bin, compiled), run here from the sources through tsx. */
export const CLI_BIN = path.join(__dirname, '..', '..', 'src', 'cli', 'main.ts');

/** What a finished CLI process left behind. */
export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI process as it runs. */
export interface CliRun {
  readonly child: ChildProcess;
  /** What it printed on stdout so far. */
  stdout(): string;
  readonly done: Promise<CliResult>;
}

/**
 * Starts `logstream --url URL ARGS...` as a child process. Asynchronous on purpose: the API under test usually runs in
 * the test's own process and must keep answering while the CLI talks to it.
 */
export function startCli(url: string, args: readonly string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_BIN, '--url', url, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (status) => resolve({ status, stdout, stderr })),
  );
  return { child, stdout: () => stdout, done };
}

/** Runs `logstream --url URL ARGS...` to its end. */
export function runCli(url: string, ...args: string[]): Promise<CliResult> {
  return startCli(url, args).done;
}
