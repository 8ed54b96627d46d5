#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ApiError, LogNotSealedError, LogstreamClient, type ExecutionListEntry } from '../client/client';
import { ConfigError, SETTINGS } from '../config-schema';
import type { ExecutionStatus } from '../domain';
import { arg, executionIdArg, limitArg, STATUSES, statusArg, wholeNumber } from './arguments';
import { useColor } from './colors';
import { OutputFileError, UsageError } from './errors';
import { addStream, compileGrep } from './line-filter';
import { formatExecutionTable } from './list-table';
import { printLogs, type CliIo } from './logs-command';
import { parseTimeBound } from './time-bound';

export type { CliIo } from './logs-command';

/**
 * Exit codes of the CLI besides a job's own (which `run` mirrors). `notSealed`: what was printed is
 * not provably the whole log (the execution still runs, its seal did not come within --seal-wait, or
 * its workflow ended without one); stderr says which in a line starting "logstream: log not sealed yet:".
 */
export const EXIT = { usage: 2, api: 3, notSealed: 4, interrupted: 130 } as const;

const defaultIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  drained: () =>
    process.stdout.writableNeedDrain
      ? new Promise((resolve) => process.stdout.once('drain', resolve))
      : Promise.resolve(),
};

const SEAL_WAIT_HELP = 'seconds to wait for the seal of a completed execution still draining';
const PREFIX_HELP = "put each line's stream in front of it, as [stdout], [stderr] or [LOG-STREAM]";
const STREAM_HELP =
  "only lines of this stream: stdout or stderr for a managed job, a log stream's name for an external one (repeatable)";

/** `--stream`, repeatable. */
function collectStream(value: string, previous: string[]): string[] {
  return arg((name) => addStream(name, previous))(value);
}

const TIME_HELP = 'a duration back from now (30s, 10m, 2h, 1h30m, 7d) or an ISO 8601 time (UTC when no zone)';

/** The `--color`/`--no-color` pair: neither given means colour on a terminal unless NO_COLOR is set. */
function addColorOptions(command: Command): Command {
  return command
    .option('--color', 'colour the output even when it is not a terminal')
    .option('--no-color', 'never colour the output (as does a non-empty NO_COLOR)');
}

interface LogsOptions {
  follow?: boolean;
  sinceIndex: number;
  json?: boolean;
  sealWait: number;
  grep?: string;
  ignoreCase?: boolean;
  since?: number;
  until?: number;
  timestamps?: boolean;
  tail?: number;
  color?: boolean;
  output?: string;
  prefix?: boolean;
  stream: string[];
}

/** The compiled `--grep` (throws `UsageError` on a pattern that is not a regular expression). */
function grepOf(options: LogsOptions): RegExp | undefined {
  return options.grep === undefined ? undefined : compileGrep(options.grep, options.ignoreCase);
}

/** Flag combinations that mean nothing, refused before anything is read. */
function checkLogsOptions(options: LogsOptions): void {
  if (options.since !== undefined && options.until !== undefined && options.since > options.until) {
    throw new UsageError('--since is after --until: no line can match');
  }
  if (options.follow && options.until !== undefined) {
    throw new UsageError('--until ends the log at a moment and --follow never does: give one of them');
  }
  if (options.ignoreCase && options.grep === undefined) {
    throw new UsageError('--ignore-case applies to --grep: give a --grep pattern too');
  }
  grepOf(options);
  if (options.json && options.timestamps) {
    throw new UsageError('--timestamps does not apply to --json (each JSON event carries its timestamp)');
  }
}

/** Builds the `logstream` command; `exit` receives the process exit code. */
export function buildCli(io: CliIo = defaultIo, exit: (code: number) => void = (code) => process.exit(code)): Command {
  const program = new Command('logstream')
    .description('Run jobs on Temporal and stream their logs')
    .option('--url <url>', 'API base URL (default: LOGSTREAM_URL, else http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (default: first of LOGSTREAM_API_KEYS)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const client = (): LogstreamClient => {
    const options = program.opts<{ url?: string; apiKey?: string }>();
    // The environment is read through the configuration's schema, so it is validated as the API validates it.
    const url = options.url ?? SETTINGS.LOGSTREAM_URL.read(process.env);
    const apiKey = options.apiKey ?? SETTINGS.LOGSTREAM_API_KEYS.read(process.env)[0];
    return new LogstreamClient({ url, apiKey: apiKey || undefined });
  };
  const color = (flag: boolean | undefined): boolean => useColor(flag, process.env, process.stdout.isTTY === true);

  program
    .command('run')
    .description('start a managed execution running CMD and follow its log; the exit code mirrors the job')
    .option('--detach', 'print the execution id and return at once')
    .option('--prefix', PREFIX_HELP)
    .option('--id <id>', 'execution id (default: generated)', executionIdArg)
    .addOption(new Option('--seal-wait <seconds>', SEAL_WAIT_HELP).argParser(wholeNumber('whole seconds')).default(60))
    .argument('<cmd...>', 'command and arguments (put them after --)')
    .action(async (cmd: string[], options: { detach?: boolean; id?: string; sealWait: number; prefix?: boolean }) => {
      const started = await client().start({ command: cmd, executionId: options.id });
      if (options.detach) {
        io.out(started.executionId);
        return;
      }
      io.err(`logstream: execution ${started.executionId}`);
      const view = await printLogs(started, io, {
        sinceIndex: 0,
        follow: true,
        json: false,
        sealWaitSeconds: options.sealWait,
        prefix: options.prefix ?? false,
      });
      io.err(`logstream: ${view.status}`);
      // The job's own exit code when the runner reported one; else what its status implies.
      exit(view.exitCode ?? (view.status === 'SUCCEEDED' ? 0 : view.status === 'STOPPED' ? EXIT.interrupted : 1));
    });

  const logs = program
    .command('logs')
    .description(
      'print an execution log; RUNNING with --follow: stream until it completes.\n' +
        'Filters (--grep, --since, --until) apply first, then --tail keeps the last N lines that pass them.\n' +
        'Exit 4 with "log not sealed yet" when what was printed is not provably the whole log.',
    )
    .argument('<id>', 'execution id', executionIdArg)
    .option('-f, --follow', 'keep streaming until the execution completes')
    .option(
      '-g, --grep <pattern>',
      'only lines matching this regular expression (RE2 syntax: no lookaround or backreferences), searched on the server; with --tail the end of the log is read and filtered',
    )
    .option('-i, --ignore-case', '--grep ignores case')
    .option(
      '--since <time>',
      `only lines at or after this time: ${TIME_HELP}`,
      arg((v) => parseTimeBound(v, Date.now(), '--since')),
    )
    .option(
      '--until <time>',
      `only lines at or before this time (not with --follow): ${TIME_HELP}`,
      arg((v) => parseTimeBound(v, Date.now(), '--until')),
    )
    .option(
      '--tail <n>',
      'only the last n lines (then stream the rest with --follow); reads only the end of the log',
      wholeNumber('a whole number of lines'),
    )
    .option('--timestamps', 'prefix each line with its time, ISO 8601 in UTC')
    .option('--prefix', PREFIX_HELP)
    .option('--stream <name>', STREAM_HELP, collectStream, [])
    .option(
      '-o, --output <file>',
      'write the lines to FILE (atomically: a temporary file renamed when done) instead of stdout',
    )
    .addOption(
      new Option('--since-index <k>', 'only events with index > k')
        .argParser(wholeNumber('a non-negative integer'))
        .default(0),
    )
    .option('--json', 'one JSON event per line')
    .addOption(new Option('--seal-wait <seconds>', SEAL_WAIT_HELP).argParser(wholeNumber('whole seconds')).default(60));
  addColorOptions(logs).action(async (id: string, options: LogsOptions) => {
    checkLogsOptions(options);
    await printLogs(client().getHandle(id), io, {
      sinceIndex: options.sinceIndex,
      follow: options.follow ?? false,
      json: options.json ?? false,
      sealWaitSeconds: options.sealWait,
      tail: options.tail,
      filter: { grep: grepOf(options), since: options.since, until: options.until, streams: options.stream },
      timestamps: options.timestamps ?? false,
      prefix: options.prefix ?? false,
      color: color(options.color),
      output: options.output,
    });
  });

  const list = program
    .command('list')
    .description('list executions, newest first: id, status, started, completed (times in UTC)')
    .option('--status <status>', `only executions with this status: ${STATUSES.join(', ')}`, statusArg)
    .addOption(
      new Option('--limit <n>', 'at most n executions (over as many pages as that takes)')
        .argParser(limitArg)
        .default(50),
    )
    .option('--json', 'one JSON execution per line');
  addColorOptions(list).action(
    async (options: { status?: ExecutionStatus; limit: number; json?: boolean; color?: boolean }) => {
      const executions: ExecutionListEntry[] = [];
      for await (const execution of client().list({ status: options.status, limit: options.limit })) {
        executions.push(execution);
      }
      if (options.json) {
        executions.forEach((execution) => io.out(JSON.stringify(execution)));
        return;
      }
      if (executions.length === 0) {
        io.err(`logstream: no executions${options.status ? ` with status ${options.status}` : ''}`);
        return;
      }
      formatExecutionTable(executions, color(options.color)).forEach((line) => io.out(line));
    },
  );

  program
    .command('status')
    .description('print an execution status as JSON')
    .argument('<id>', 'execution id', executionIdArg)
    .action(async (id: string) => io.out(JSON.stringify(await client().getHandle(id).describe())));

  program
    .command('stop')
    .description('stop an execution (it ends STOPPED; its log is still drained and sealed)')
    .argument('<id>', 'execution id', executionIdArg)
    .action(async (id: string) => {
      await client().getHandle(id).stop();
      io.out(`${id} STOPPED`);
    });
  return program;
}

/**
 * `logstream logs ID | head`: once the reader has gone, the rest of the output has nowhere to go.
 * Stop there quietly, as a pipeline stage should, instead of dying on an unhandled EPIPE.
 */
function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    process.stderr.write(`logstream: cannot write to stdout: ${error.message}\n`);
    process.exit(1);
  });
}

/** Runs the CLI on `argv` (as process.argv) and resolves with its exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  if (io === defaultIo) exitQuietlyOnClosedStdout();
  let code = 0;
  const program = buildCli(io, (c) => (code = c));
  program.configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    const commanderCode = (error as { code?: string; exitCode?: number }).code;
    if (commanderCode?.startsWith('commander.')) {
      return commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' ? 0 : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.err(`logstream: error: ${error.message} (add --help for usage)`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.err(`logstream: error: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof LogNotSealedError) {
      io.err(`logstream: log not sealed yet: ${error.message}`);
      return EXIT.notSealed;
    }
    if (error instanceof ApiError && error.code === 'UNREACHABLE') {
      io.err(
        `logstream: ${error.message} (LOGSTREAM_URL or --url). Fix: start the API (npm start) or point LOGSTREAM_URL at it`,
      );
      return EXIT.api;
    }
    if (error instanceof ApiError) {
      io.err(`logstream: ${error.message} (${error.code})`);
      return EXIT.api;
    }
    if (error instanceof OutputFileError) {
      io.err(`logstream: ${error.message}; nothing was written to ${error.path}`);
      return 1;
    }
    io.err(`logstream: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/**
 * Exits with `code` once stdout and stderr are flushed: writes to a pipe are asynchronous, and
 * process.exit() would drop what a slow reader has not taken yet (the end of the log).
 */
export function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

if (require.main === module) {
  void runCli(process.argv).then(exitWhenFlushed);
}
