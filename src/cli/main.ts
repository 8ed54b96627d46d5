import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiError, LogNotSealedError, LogstreamClient, type ExecutionView } from '../client/client';
import { parseExecutionId, type IndexedEvent } from '../domain';

/**
 * Exit codes of the CLI besides a job's own (which `run` mirrors). `notSealed`: what was printed is
 * not provably the whole log (the execution still runs, its seal did not come within --seal-wait, or
 * its workflow ended without one); stderr says which in a line starting "logstream: log not sealed yet:".
 */
export const EXIT = { usage: 2, api: 3, notSealed: 4, interrupted: 130 } as const;

/** Writes what the CLI prints; tests replace it. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const defaultIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

function executionIdArg(value: string): string {
  try {
    return parseExecutionId(value, 'ID');
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function indexArg(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer');
  return Number(value);
}

function printEvent(io: CliIo, event: IndexedEvent, json: boolean): void {
  io.out(json ? JSON.stringify(event) : event.message);
}

function secondsArg(value: string): number {
  if (!/^\d{1,7}$/.test(value)) throw new InvalidArgumentError('must be a whole number of seconds');
  return Number(value);
}

/**
 * Prints every event after `sinceIndex`; with `follow`, until the execution's log is sealed. Throws
 * `LogNotSealedError` when what it printed is not provably the whole log.
 */
async function printLogs(
  client: LogstreamClient,
  io: CliIo,
  id: string,
  options: { sinceIndex: number; follow: boolean; json: boolean; sealWaitSeconds: number },
): Promise<ExecutionView> {
  const print = (event: IndexedEvent): void => printEvent(io, event, options.json);
  const sealWaitMs = options.sealWaitSeconds * 1000;
  if (options.follow) return client.follow(id, print, options.sinceIndex, { sealWaitMs });

  let last = options.sinceIndex;
  const pages = client.allLogs(id, options.sinceIndex, { sealWaitMs });
  let next = await pages.next();
  for (; !next.done; next = await pages.next()) {
    last = next.value.index;
    print(next.value);
  }
  if (next.value.status === 'RUNNING') {
    throw new LogNotSealedError(
      id,
      last,
      true,
      `${id} is RUNNING: printed what is stored so far (--follow streams the rest)`,
    );
  }
  if (!next.value.sealed) throw new LogNotSealedError(id, last, next.value.seal_pending);
  return client.status(id);
}

const SEAL_WAIT_HELP = 'seconds to wait for the seal of a completed execution still draining';

/** Builds the `logstream` command; `exit` receives the process exit code. */
export function buildCli(io: CliIo = defaultIo, exit: (code: number) => void = (code) => process.exit(code)): Command {
  const program = new Command('logstream')
    .description('Run jobs on Temporal and stream their logs')
    .option('--url <url>', 'API base URL', process.env.LOGSTREAM_URL ?? 'http://127.0.0.1:8080')
    .option('--api-key <key>', 'API key (default: first of LOGSTREAM_API_KEYS)')
    .showHelpAfterError()
    .exitOverride();
  const client = (): LogstreamClient => {
    const options = program.opts<{ url: string; apiKey?: string }>();
    const apiKey = options.apiKey ?? process.env.LOGSTREAM_API_KEYS?.split(',')[0]?.trim();
    return new LogstreamClient({ url: options.url, apiKey: apiKey || undefined });
  };

  program
    .command('run')
    .description('start a managed execution running CMD and follow its log; the exit code mirrors the job')
    .option('--detach', 'print the execution id and return at once')
    .option('--id <id>', 'execution id (default: generated)', executionIdArg)
    .addOption(new Option('--seal-wait <seconds>', SEAL_WAIT_HELP).argParser(secondsArg).default(60))
    .argument('<cmd...>', 'command and arguments (put them after --)')
    .action(async (cmd: string[], options: { detach?: boolean; id?: string; sealWait: number }) => {
      const started = await client().run(cmd, options.id);
      if (options.detach) {
        io.out(started.execution_id);
        return;
      }
      io.err(`logstream: execution ${started.execution_id}`);
      const view = await printLogs(client(), io, started.execution_id, {
        sinceIndex: 0,
        follow: true,
        json: false,
        sealWaitSeconds: options.sealWait,
      });
      io.err(`logstream: ${view.status}`);
      // The job's own exit code when the runner reported one; else what its status implies.
      exit(view.exit_code ?? (view.status === 'SUCCEEDED' ? 0 : view.status === 'STOPPED' ? EXIT.interrupted : 1));
    });

  program
    .command('logs')
    .description('print an execution log; RUNNING with --follow: stream until it completes')
    .argument('<id>', 'execution id', executionIdArg)
    .option('-f, --follow', 'keep streaming until the execution completes')
    .addOption(new Option('--since-index <k>', 'only events with index > k').argParser(indexArg).default(0))
    .option('--json', 'one JSON event per line')
    .addOption(new Option('--seal-wait <seconds>', SEAL_WAIT_HELP).argParser(secondsArg).default(60))
    .action(async (id: string, options: { follow?: boolean; sinceIndex: number; json?: boolean; sealWait: number }) => {
      await printLogs(client(), io, id, {
        sinceIndex: options.sinceIndex,
        follow: options.follow ?? false,
        json: options.json ?? false,
        sealWaitSeconds: options.sealWait,
      });
    });

  program
    .command('status')
    .description('print an execution status as JSON')
    .argument('<id>', 'execution id', executionIdArg)
    .action(async (id: string) => io.out(JSON.stringify(await client().status(id))));

  program
    .command('stop')
    .description('stop an execution (it ends STOPPED; its log is still drained and sealed)')
    .argument('<id>', 'execution id', executionIdArg)
    .action(async (id: string) => {
      await client().stop(id);
      io.out(`${id} STOPPED`);
    });
  return program;
}

/** Runs the CLI on `argv` (as process.argv) and resolves with its exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
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
    io.err(`logstream: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  void runCli(process.argv).then((code) => process.exit(code));
}
