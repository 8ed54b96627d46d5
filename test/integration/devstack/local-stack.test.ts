import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { Connection } from '@temporalio/client';
import { ensureLogGroup } from '../../../src/adapters/cloudwatch/provision';
import { ensureLogTable } from '../../../src/adapters/dynamodb/provision';
import {
  findFreePort,
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
} from '../../../src/devstack/local-stack';
import { repoRoot } from '../../../src/devstack/toolchain';
import type { StackProcessReport } from '../../support/stack-process';

const HOST = '127.0.0.1';
const REGION = 'us-east-1';
const TABLE = 'local-stack-test-logs';
const LOG_GROUP = '/logstream/local-stack-test';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Ports {
  temporal: number;
  temporalUi: number;
  emulator: number;
}

async function freePorts(): Promise<Ports> {
  return {
    temporal: await findFreePort(HOST),
    temporalUi: await findFreePort(HOST),
    emulator: await findFreePort(HOST),
  };
}

function options(ports: Ports, extra: Partial<LocalStackOptions> = {}): LocalStackOptions {
  return {
    host: HOST,
    temporalPort: ports.temporal,
    temporalUiPort: ports.temporalUi,
    emulatorPort: ports.emulator,
    tableName: TABLE,
    logGroup: LOG_GROUP,
    region: REGION,
    ...extra,
  };
}

/** Running = exists and is not a zombie (an orphan reparented to a non-reaping PID 1 stays a zombie forever). */
function isRunning(pid: number): boolean {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of running processes whose command line has `arg` as one argument (Linux /proc; [] elsewhere). */
function pidsWithArg(arg: string): number[] {
  if (process.platform !== 'linux') return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(arg) && isRunning(pid);
      } catch {
        return false;
      }
    });
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

async function expectGone(pids: readonly number[], ports: Ports): Promise<void> {
  expect(await eventually(() => pids.every((pid) => !isRunning(pid)))).toBe(true);
  for (const port of [ports.temporal, ports.temporalUi, ports.emulator]) {
    // The kernel may take a moment after the process is reaped to drop its listening socket.
    expect({ port, free: await eventually(async () => !(await isListening(port)), 5000) }).toEqual({
      port,
      free: true,
    });
  }
}

/** Every child pid a stack reports (Temporal, moto, and the strict AWS layer when it runs). */
function childPids(pids: LocalStack['pids']): number[] {
  const optional = [pids.dynamodbEmulator, pids.strictAws].filter((pid) => pid !== undefined);
  return [pids.temporal, pids.emulator, ...optional];
}

async function temporalAnswers(address: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.getSystemInfo({});
    const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return Object.keys(attributes.customAttributes);
  } finally {
    await connection.close();
  }
}

describe('the stack of jest globalSetup', () => {
  test('is described by process.env and answers', async () => {
    const env = process.env;
    expect(env.TEMPORAL_ADDRESS).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(env).toMatchObject({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    expect(await temporalAnswers(env.TEMPORAL_ADDRESS ?? '')).toEqual(expect.arrayContaining(['CompletedAt']));
    const dynamodb = new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, credentials });
    const logs = new CloudWatchLogsClient({ endpoint: env.AWS_ENDPOINT_URL, region: env.AWS_REGION, credentials });
    try {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: env.LOGSTREAM_TABLE }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: env.LOGSTREAM_LOG_GROUP }));
      expect(groups.logGroups?.map((group) => group.logGroupName)).toEqual([env.LOGSTREAM_LOG_GROUP]);
    } finally {
      dynamodb.destroy();
      logs.destroy();
    }
    for (const variable of ['LOGSTREAM_TEST_TEMPORAL_BIN', 'LOGSTREAM_TEST_SERVER_BIN']) {
      expect(existsSync(env[variable] ?? '')).toBe(true);
    }
  });
});

describe('startLocalStack', () => {
  const ports: Partial<Ports> = {};
  let stack: LocalStack | undefined;

  beforeAll(async () => {
    Object.assign(ports, await freePorts());
    stack = await startLocalStack(options(ports as Ports));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  function running(): LocalStack {
    if (!stack) throw new Error('stack did not start');
    return stack;
  }

  test('Temporal answers with the custom search attributes registered', async () => {
    const { temporalAddress } = running();
    expect(temporalAddress).toBe(`${HOST}:${String(ports.temporal)}`);
    expect(await temporalAnswers(temporalAddress)).toEqual(expect.arrayContaining(['LogstreamStatus', 'CompletedAt']));
  });

  test('the Temporal UI answers on its port', async () => {
    const response = await fetch(running().temporalUiUrl);
    expect(response.status).toBeLessThan(500);
  });

  test('the emulator serves the provisioned DynamoDB table and CloudWatch log group', async () => {
    const dynamodb = new DynamoDBClient({ endpoint: running().awsEndpoint, region: REGION, credentials });
    const logs = new CloudWatchLogsClient({ endpoint: running().awsEndpoint, region: REGION, credentials });
    try {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: TABLE }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'execution_id', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
      expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expires_at' });

      const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP }));
      expect(groups.logGroups?.map((group) => group.logGroupName)).toEqual([LOG_GROUP]);

      // Provisioning runs on every start, so it must be idempotent.
      await expect(ensureLogTable(dynamodb, TABLE)).resolves.toBeUndefined();
      await expect(ensureLogGroup(logs, LOG_GROUP)).resolves.toBeUndefined();
    } finally {
      dynamodb.destroy();
      logs.destroy();
    }
  });

  test('the strict AWS layer serves the emulator port, in front of moto on a private port', async () => {
    const { awsEndpoint, pids } = running();
    expect(awsEndpoint).toBe(`http://${HOST}:${String(ports.emulator)}`);
    const state = (await (await fetch(`${awsEndpoint}/__strict/state`)).json()) as { rules: unknown };
    expect(state.rules).toMatchObject({ readQuotas: { GetLogEvents: 25 } });
    // moto's own state API passes through the layer.
    expect((await fetch(`${awsEndpoint}/moto-api/data.json`)).status).toBe(200);
    expect(pids.strictAws).toEqual(expect.any(Number));
    expect(pidsWithArg(String(ports.emulator))).toEqual([pids.strictAws]);
  });

  test('DynamoDB runs in an emulator process of its own, reached through the same endpoint', async () => {
    const { awsEndpoint, emulatorEndpoint, pids } = running();
    expect(pids.dynamodbEmulator).toEqual(expect.any(Number));
    expect(new Set([pids.emulator, pids.dynamodbEmulator, pids.strictAws]).size).toBe(3);
    const tablesAt = async (endpoint: string): Promise<string[] | undefined> => {
      const dynamodb = new DynamoDBClient({ endpoint, region: REGION, credentials });
      try {
        return (await dynamodb.send(new ListTablesCommand({}))).TableNames;
      } finally {
        dynamodb.destroy();
      }
    };
    expect(await tablesAt(awsEndpoint)).toContain(TABLE);
    // CloudWatch Logs' and Kinesis's emulator holds no table.
    expect(await tablesAt(emulatorEndpoint)).toEqual([]);
  });

  test('stop() ends every child, frees the three ports and is safe to call twice', async () => {
    const { pids } = running();
    expect(childPids(pids)).toHaveLength(4);
    for (const pid of childPids(pids)) expect(isRunning(pid)).toBe(true);
    await Promise.all([running().stop(), running().stop()]);
    await running().stop();
    // The children are reaped by the time stop() resolves: no polling needed.
    for (const pid of childPids(pids)) expect(isRunning(pid)).toBe(false);
    await expectGone(childPids(pids), ports as Ports);
  });
});

describe('startLocalStack without the strict AWS layer', () => {
  test('moto itself serves the emulator port, and there is no strict layer', async () => {
    const ports = await freePorts();
    const stack = await startLocalStack(options(ports, { strictAws: false }));
    try {
      expect(stack.pids.strictAws).toBeUndefined();
      expect((await fetch(`${stack.awsEndpoint}/moto-api/data.json`)).status).toBe(200);
      expect((await fetch(`${stack.awsEndpoint}/__strict/state`)).status).not.toBe(200);
      expect(pidsWithArg(String(ports.emulator))).toEqual([stack.pids.emulator]);
    } finally {
      await stack.stop();
    }
    await expectGone(childPids(stack.pids), ports);
  });
});

describe('startLocalStack failures', () => {
  test.each([
    ['temporal', 'TEMPORAL_ADDRESS'],
    ['temporalUi', 'LOGSTREAM_TEMPORAL_UI_PORT'],
    ['emulator', 'LOGSTREAM_EMULATOR_PORT'],
  ] as const)('a %s port in use is reported with the variable %s', async (which, variable) => {
    const ports = await freePorts();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(ports[which], HOST, resolve));
    try {
      const error: unknown = await startLocalStack(options(ports)).catch((err: unknown) => err);
      expect(error).toMatchObject({ code: 'PORT_IN_USE', port: ports[which], variable });
      expect((error as Error).message).toContain(String(ports[which]));
      expect((error as Error).message).toContain(variable);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(pidsWithArg(String(ports.temporal))).toEqual([]);
  });

  test('a readiness timeout names the service and stops whatever was started', async () => {
    const ports = await freePorts();
    const error: unknown = await startLocalStack(options(ports, { readyTimeoutMs: 1 })).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'SERVICE_START_FAILED' });
    expect((error as Error).message).toMatch(/(temporal|moto|strict-aws).*not ready after 1 ms/);
    expect(pidsWithArg(String(ports.temporal))).toEqual([]);
    expect(pidsWithArg(String(ports.emulator))).toEqual([]);
  });

  test('a child that exits early is reported with the tail of its output', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-stack-'));
    try {
      const ports = await freePorts();
      // A directory where the SQLite file should be makes the dev server exit at once.
      const error: unknown = await startLocalStack(options(ports, { dbFile: dir })).catch((err: unknown) => err);
      expect(error).toMatchObject({ code: 'SERVICE_START_FAILED' });
      expect((error as { service: string }).service).toContain('temporal');
      expect((error as Error).message).toMatch(/exited with code \d+ before it was ready/);
      expect((error as { stderrTail: string[] }).stderrTail.length).toBeGreaterThan(0);
      expect(pidsWithArg(String(ports.emulator))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startLocalStack with a persistent Temporal database', () => {
  test('restarts on the same db file (search attributes already registered)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-stack-'));
    const dbFile = path.join(dir, 'nested', 'temporal.db');
    try {
      for (let run = 1; run <= 2; run += 1) {
        const stack = await startLocalStack(options(await freePorts(), { dbFile }));
        try {
          expect(await temporalAnswers(stack.temporalAddress)).toEqual(
            expect.arrayContaining(['LogstreamStatus', 'CompletedAt']),
          );
        } finally {
          await stack.stop();
        }
        expect(existsSync(dbFile)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a Node process running a stack leaves no orphans', () => {
  type StackChild = ChildProcessByStdio<null, Readable, Readable>;

  async function startStackProcess(
    ...flags: string[]
  ): Promise<{ child: StackChild; report: StackProcessReport; stderr: () => string }> {
    const script = path.join('test', 'support', 'stack-process.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...flags], {
      cwd: repoRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const report = await new Promise<StackProcessReport>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const newline = stdout.indexOf('\n');
        if (newline >= 0) resolve(JSON.parse(stdout.slice(0, newline)) as StackProcessReport);
      });
      child.once('exit', (code) => reject(new Error(`stack process exited with ${String(code)}: ${stderr}`)));
    });
    return { child, report, stderr: () => stderr };
  }

  function exitOf(child: StackChild): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve({ code: child.exitCode, signal: child.signalCode });
      } else {
        child.once('exit', (code, signal) => resolve({ code, signal }));
      }
    });
  }

  test.each(['SIGINT', 'SIGTERM'] as const)('%s: the process stops its stack and exits 0', async (signal) => {
    const { child, report, stderr } = await startStackProcess();
    expect(childPids(report.pids)).toHaveLength(4);
    for (const pid of childPids(report.pids)) expect(isRunning(pid)).toBe(true);
    const exited = exitOf(child);
    child.kill(signal);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stderr()).toContain(`${signal}, stopping`);
    await expectGone(childPids(report.pids), report.ports);
  });

  test.each(['SIGINT', 'SIGTERM'] as const)(
    '%s without an application handler: the children are killed and the process dies of the signal',
    async (signal) => {
      const { child, report } = await startStackProcess('--unhandled');
      const exited = exitOf(child);
      child.kill(signal);
      expect(await exited).toEqual({ code: null, signal });
      await expectGone(childPids(report.pids), report.ports);
    },
  );

  // SIGKILL gives the process no chance to clean up: only the parent-death signal (setpriv, Linux) saves us here.
  const linux = process.platform === 'linux';
  (linux ? test : test.skip)('SIGKILL: the children die with the process', async () => {
    const { child, report } = await startStackProcess();
    const exited = exitOf(child);
    child.kill('SIGKILL');
    await exited;
    await expectGone(childPids(report.pids), report.ports);
  });
});
