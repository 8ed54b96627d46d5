import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { clientFault, parseTarget } from './aws-fault';
import { CONTROL_PREFIX, handleControl } from './control-api';
import { faultAnswer, type HttpAnswer } from './http-answer';
import type { StrictAwsLayer } from './strict-layer';

/** Where the strict layer listens and where the emulator answers. */
export interface StrictProxyOptions {
  host: string;
  port: number;
  upstreamHost: string;
  upstreamPort: number;
  /**
   * Where DynamoDB's calls go, when DynamoDB runs in an emulator process of its own (default: `upstreamPort`). On AWS
   * it is a service of its own; in one emulator process its calls would queue behind CloudWatch's and Kinesis's.
   */
  dynamodbUpstreamPort?: number;
  layer: StrictAwsLayer;
}

// PutLogEvents carries up to 1 MiB of messages, which JSON escaping can inflate; anything far beyond is refused.
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

class RequestTooLargeError extends Error {}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        request.destroy();
        reject(new RequestTooLargeError());
      } else chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

function forwardedHeaders(headers: http.IncomingHttpHeaders, body: Buffer, decoded: boolean): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !(decoded && name === 'content-encoding')) out[name] = value;
  }
  out['content-length'] = body.length;
  // The strict layer reads and rewrites answers: they must come back uncompressed.
  out['accept-encoding'] = 'identity';
  return out;
}

function answerHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const STACK_WRITES = new Set(['CreateStack', 'UpdateStack', 'DeleteStack']);

/** A CloudFormation call (query protocol: a signed form POST) that creates, changes or removes a stack. */
function isStackWrite(request: http.IncomingMessage, body: Buffer): boolean {
  const authorization = request.headers.authorization ?? '';
  if (request.method !== 'POST' || !authorization.includes('/cloudformation/aws4_request')) return false;
  return STACK_WRITES.has(new URLSearchParams(body.toString('utf8')).get('Action') ?? '');
}

/** The HTTP server of the strict AWS layer: control API, AWS calls through the layer, everything else passed on. */
export function createStrictProxy(options: StrictProxyOptions): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const upstream = (request: http.IncomingMessage, body: Buffer, decoded = false, port = options.upstreamPort) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const outgoing = http.request(
        {
          host: options.upstreamHost,
          port,
          method: request.method,
          path: request.url,
          headers: forwardedHeaders(request.headers, body, decoded),
          agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.once('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: answerHeaders(response.headers),
              body: Buffer.concat(chunks),
            }),
          );
          response.once('error', reject);
        },
      );
      outgoing.once('error', reject);
      outgoing.end(body);
    });

  const handle = async (request: http.IncomingMessage): Promise<HttpAnswer> => {
    const url = request.url ?? '/';
    let body = await readBody(request);
    if (url.startsWith(CONTROL_PREFIX)) {
      const answer = handleControl(options.layer, request.method ?? 'GET', url, body);
      return {
        status: answer.status,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(answer.body)),
      };
    }
    const header = request.headers['x-amz-target'];
    const target = parseTarget(Array.isArray(header) ? header[0] : header);
    if (options.dynamodbUpstreamPort !== undefined && isStackWrite(request, body)) {
      // A stack's resources span the services, so DynamoDB's process deploys it too (its tables are the ones used;
      // the rest of its copy is never read), first: the caller's waiter, answered by the main process, then finds
      // every resource in place.
      const mirrored = await upstream(request, body, false, options.dynamodbUpstreamPort);
      if (mirrored.status >= 300) return mirrored;
    }
    if (target === undefined || request.method !== 'POST') return upstream(request, body);
    // The JSON protocol allows compressed requests; the layer reads them, so they go on decompressed.
    const decoded = request.headers['content-encoding'] === 'gzip';
    if (decoded) body = gunzipSync(body);
    const port = target.service === 'dynamodb' ? (options.dynamodbUpstreamPort ?? options.upstreamPort) : undefined;
    return options.layer.call(target.service, target.operation, body, (input) =>
      upstream(request, input === undefined ? body : Buffer.from(JSON.stringify(input)), decoded, port),
    );
  };

  return http.createServer((request, response) => {
    handle(request)
      .catch((error: unknown) => {
        if (error instanceof RequestTooLargeError) {
          return faultAnswer(undefined, {
            status: 413,
            type: 'RequestEntityTooLargeException',
            message: 'Request too large',
          });
        }
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`strict-aws: ${request.method ?? ''} ${request.url ?? ''}: ${message}\n`);
        return faultAnswer(undefined, { ...clientFault('InternalFailure', message), status: 500 });
      })
      .then((answer) => {
        if (response.destroyed) return;
        if (answer.reset === true) {
          response.socket?.resetAndDestroy();
          return;
        }
        response.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
        response.end(answer.body);
      })
      .catch(() => response.destroy());
  });
}
