import net from 'node:net';
import type { Config } from '../config';
import { LogstreamError } from '../domain';

/** Temporal or AWS cannot be reached: one line naming the address, the variable that sets it, and the fix. */
export class EndpointUnreachableError extends LogstreamError {
  constructor(
    readonly dependency: string,
    readonly address: string,
    readonly variable: string,
    readonly reason: string,
    readonly fix: string,
    cause?: unknown,
  ) {
    super('ENDPOINT_UNREACHABLE', `cannot reach ${dependency} at ${address} (${variable}): ${reason}. Fix: ${fix}`, {
      cause,
    });
  }
}

/** Who is asking: `npm start` (which can run its own stack) or a standalone server/worker. */
export type Launcher = 'npm start' | 'standalone';

/** A network dependency of a process, with what to tell a person who cannot reach it. */
interface Endpoint {
  readonly dependency: string;
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly variable: string;
  readonly fix: string;
}

const CONNECT_TIMEOUT_MS = 5_000;

/** The Temporal frontend and the AWS endpoints the configuration points at. */
export function endpointsOf(config: Config, launcher: Launcher): Endpoint[] {
  return [temporalEndpoint(config, launcher), ...awsEndpoints(config, launcher)];
}

function temporalEndpoint(config: Config, launcher: Launcher): Endpoint {
  const match = /^(.*):(\d+)$/.exec(config.temporalAddress);
  const host = (match?.[1] ?? config.temporalAddress).replace(/^\[|\]$/g, '');
  const own =
    launcher === 'npm start' ? ', or unset TEMPORAL_ADDRESS and LOGSTREAM_LOCAL_STACK so npm start runs its own' : '';
  return {
    dependency: 'Temporal',
    address: config.temporalAddress,
    host,
    port: Number(match?.[2] ?? 7233),
    variable: 'TEMPORAL_ADDRESS',
    fix: `start a Temporal server there (temporal server start-dev) or set TEMPORAL_ADDRESS to one that runs${own}`,
  };
}

function awsEndpoints(config: Config, launcher: Launcher): Endpoint[] {
  if (config.awsEndpoint === undefined) {
    // Real AWS: the SDK derives the endpoints from the region.
    return ['logs', 'dynamodb'].map((service) => {
      const host = `${service}.${config.awsRegion}.amazonaws.com`;
      return {
        dependency: `AWS (${service === 'logs' ? 'CloudWatch Logs' : 'DynamoDB'})`,
        address: `https://${host}`,
        host,
        port: 443,
        variable: 'AWS_REGION',
        fix: 'check the network (and a proxy) and that AWS_REGION names a Region',
      };
    });
  }
  const url = new URL(config.awsEndpoint);
  const own =
    launcher === 'npm start' ? ', unset AWS_ENDPOINT_URL and LOGSTREAM_LOCAL_STACK so npm start runs its own' : '';
  return [
    {
      dependency: 'AWS (CloudWatch Logs, DynamoDB)',
      address: config.awsEndpoint,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      variable: 'AWS_ENDPOINT_URL',
      fix: `start the AWS emulator there or set AWS_ENDPOINT_URL to one that runs${own}, or set LOGSTREAM_AWS=real for real AWS`,
    },
  ];
}

/** Connects to every endpoint once; throws EndpointUnreachableError for the first that does not answer. */
export async function assertReachable(endpoints: readonly Endpoint[], timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  for (const endpoint of endpoints) {
    const failure = await connectOnce(endpoint.host, endpoint.port, timeoutMs);
    if (failure !== undefined) throw unreachable(endpoint, failure);
  }
}

/**
 * Turns a transport failure of a start (a refused gRPC connection, an SDK socket error) into the one-line
 * EndpointUnreachableError of the dependency it came from; any other error is returned as it is.
 */
export function asUnreachable(error: unknown, config: Config, launcher: Launcher): unknown {
  const [temporal, ...aws] = endpointsOf(config, launcher);
  if (temporal === undefined) return error;
  const text = error instanceof Error ? error.message : String(error);
  // The Temporal core reports connection failures as Rust transport errors.
  if (/tonic::transport|tcp connect error|Failed to connect|ConnectError/i.test(text)) {
    return unreachable(temporal, 'the connection failed', error);
  }
  const system = systemError(error);
  if (system === undefined) return error;
  const target = system.port === temporal.port && system.address === temporal.host ? temporal : aws[0];
  return target ? unreachable(target, reasonOf(system), error) : error;
}

function unreachable(endpoint: Endpoint, reason: string, cause?: unknown): EndpointUnreachableError {
  return new EndpointUnreachableError(
    endpoint.dependency,
    endpoint.address,
    endpoint.variable,
    reason,
    endpoint.fix,
    cause,
  );
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** A Node socket error: its code, and the address and port it tried. */
type SystemError = NodeJS.ErrnoException & { address?: string; port?: number };

/** The first Node system error of a network kind in `error`'s cause chain. */
function systemError(error: unknown): SystemError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as SystemError).code;
    if (code !== undefined && NETWORK_CODES.has(code)) return current as SystemError;
    current = current.cause;
  }
  return undefined;
}

function reasonOf(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ETIMEDOUT':
      return 'no answer';
    default:
      return 'host unreachable';
  }
}

function connectOnce(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(`no answer within ${timeoutMs / 1000} s`);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(reasonOf(error)));
  });
}
