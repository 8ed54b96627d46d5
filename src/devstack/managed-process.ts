import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

const OUTPUT_LINES_KEPT = 200;
const OUTPUT_LINES_REPORTED = 30;

/** Keeps the last lines a child wrote, so a failure can show them without flooding the terminal otherwise. */
class RecentLines {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly capacity: number) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
    // A child that never ends its line must not grow the buffer without bound.
    if (this.partial.length > 8192) {
      this.add(this.partial);
      this.partial = '';
    }
  }

  tail(count: number): string[] {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return all.slice(-count);
  }

  private add(line: string): void {
    if (line.trim() === '') return;
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }
}

// --- children never outlive this process ------------------------------------------------------------------------
// Every live child is in `liveChildren`. On process exit (normal, process.exit, uncaught exception) they are killed
// synchronously. A signal that nobody else handles would kill Node without an 'exit' event, so while children live we
// listen for it, kill them, and re-raise it. On Linux the children also get PR_SET_PDEATHSIG through setpriv, which
// covers even SIGKILL of this process.

const liveChildren = new Set<ChildProcess>();
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killLiveChildren(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone: nothing to do.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener means the application handles this signal itself (and calls stop()); stay out of its way.
  if (process.listenerCount(signal) > 1) return;
  killLiveChildren();
  uninstallHooks();
  process.kill(process.pid, signal);
}

let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killLiveChildren);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
}

function uninstallHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.removeListener('exit', killLiveChildren);
  for (const signal of FORWARDED_SIGNALS) process.removeListener(signal, onSignal);
}

let setprivWorks: boolean | undefined;

/** setpriv (util-linux) can set the parent-death signal before exec'ing the real program; checked once. */
function canUseSetpriv(): boolean {
  if (setprivWorks === undefined) {
    setprivWorks =
      process.platform === 'linux' &&
      spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
  }
  return setprivWorks;
}

/** How a child process ended (or why it never started). */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** One phrase for an exit, for error messages. */
export function describeExit(exit: ExitInfo): string {
  if (exit.error) return `could not be spawned (${exit.error.message})`;
  return exit.signal ? `exited on ${exit.signal}` : `exited with code ${String(exit.code)}`;
}

/** One child process with captured output and a promise of its exit; it never outlives this process. */
export class ManagedProcess {
  readonly output = new RecentLines(OUTPUT_LINES_KEPT);
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  private readonly child: ChildProcess;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly service: string,
    command: string,
    args: readonly string[],
    options: { cwd?: string } = {},
  ) {
    const [file, argv] = canUseSetpriv()
      ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]]
      : [command, [...args]];
    // detached:false keeps the child in our process group, so a terminal's Ctrl-C reaches it too.
    this.child = spawn(file, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
      cwd: options.cwd,
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk));
    liveChildren.add(this.child);
    installHooks();
    this.exited = new Promise<ExitInfo>((resolve) => {
      const settle = (info: ExitInfo): void => {
        if (this.exitInfo) return;
        this.exitInfo = info;
        liveChildren.delete(this.child);
        if (liveChildren.size === 0) uninstallHooks();
        resolve(info);
      };
      this.child.once('exit', (code, signal) => settle({ code, signal }));
      // 'error' without a pid = spawn failed, and no 'exit' will follow.
      this.child.once('error', (error) => {
        if (this.child.pid === undefined) settle({ code: null, signal: null, error });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  tail(): string[] {
    return this.output.tail(OUTPUT_LINES_REPORTED);
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when the process has exited. Idempotent. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= (async () => {
      if (this.exitInfo) return;
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      try {
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.stopping;
  }
}
