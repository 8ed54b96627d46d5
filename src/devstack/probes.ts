import http from 'node:http';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { ServiceStartError } from './errors';
import { describeExit, type ManagedProcess } from './managed-process';
import { urlHost } from './ports';

const PROBE_INTERVAL_MS = 200;
const PROBE_TIMEOUT_MS = 2_000;

function tcpProbe(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(PROBE_TIMEOUT_MS, () => socket.destroy(new Error(`timeout connecting to ${host}:${port}`)));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** Resolves when the Temporal frontend on `host:port` answers and serves the default namespace. */
export async function temporalProbe(host: string, port: number): Promise<void> {
  // A cheap TCP check first: creating gRPC connections to a port nobody listens on is slow and noisy.
  await tcpProbe(host, port);
  const connection = await Connection.connect({
    address: `${urlHost(host)}:${port}`,
    connectTimeout: PROBE_TIMEOUT_MS,
  });
  try {
    await connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, async () => {
      await connection.workflowService.getSystemInfo({});
      await connection.workflowService.describeNamespace({ namespace: 'default' });
    });
  } finally {
    await connection.close();
  }
}

/** GETs `url` and resolves when it answers 200 with a JSON object. */
function jsonProbe(url: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: PROBE_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 64) body += chunk;
      });
      response.once('end', () => {
        if (response.statusCode === 200 && body.trimStart().startsWith('{')) resolve();
        else reject(new Error(`port answers, but not as ${what} (HTTP ${response.statusCode ?? 0})`));
      });
    });
    request.once('timeout', () => request.destroy(new Error(`timeout waiting for ${url}`)));
    request.once('error', reject);
  });
}

/** Answers only when the emulator itself serves the port (its state API returns JSON), not any HTTP server. */
export function motoProbe(endpoint: string): Promise<void> {
  return jsonProbe(`${endpoint}/moto-api/data.json`, 'the AWS emulator');
}

/** Answers when the strict AWS layer serves `endpoint` and the emulator behind it answers through it. */
export async function strictAwsProbe(endpoint: string): Promise<void> {
  await jsonProbe(`${endpoint}/__strict/state`, 'the strict AWS layer');
  await motoProbe(endpoint);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Probes until `probe` succeeds; fails early, naming the service, when the process exits or the budget is spent. */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<void>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (proc.exitInfo) {
      throw new ServiceStartError(proc.service, `${describeExit(proc.exitInfo)} before it was ready`, proc.tail());
    }
    try {
      await probe();
      return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const last = lastError instanceof Error ? ` (last probe: ${lastError.message})` : '';
      throw new ServiceStartError(proc.service, `not ready after ${timeoutMs} ms${last}`, proc.tail(), lastError);
    }
    await Promise.race([delay(PROBE_INTERVAL_MS), proc.exited]);
  }
}
