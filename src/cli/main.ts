import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiError, LogstreamClient, type ExecutionView } from '../client/client';
import { parseExecutionId, type IndexedEvent } from '../domain';

/** Exit codes of the CLI besides a job's own (which `run` mirrors). */
export const EXIT = { usage: 2, api: 3, interrupted: 130 } as const;

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

/** Prints every event after `sinceIndex`; with `follow`, until the execution's log is complete. */
async function printLogs(
  client: LogstreamClient,
  io: CliIo,
  id: string,
  options: { sinceIndex: number; follow: boolean; json: boolean },
): Promise<ExecutionView> {
  if (options.follow) return client.follow(id, (event) => printEvent(io, event, options.json), options.sinceIndex);

  for await (const event of client.allLogs(id, options.sinceIndex)) printEvent(io, event, options.json);
  return client.status(id);
}

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
    .argument('<cmd...>', 'command and arguments (put them after --)')
    .action(async (cmd: string[], options: { detach?: boolean; id?: string }) => {
      const started = await client().run(cmd, options.id);
      if (options.detach) {
        io.out(started.execution_id);
        return;
      }
      io.err(`logstream: execution ${started.execution_id}`);
      const view = await printLogs(client(), io, started.execution_id, { sinceIndex: 0, follow: true, json: false });
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
    .action(async (id: string, options: { follow?: boolean; sinceIndex: number; json?: boolean }) => {
      await printLogs(client(), io, id, {
        sinceIndex: options.sinceIndex,
        follow: options.follow ?? false,
        json: options.json ?? false,
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
