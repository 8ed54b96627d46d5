import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_CODES, ERROR_CODES, isErrorCode } from '../contract';
import { InvalidInputError, LogstreamError, RequestRefusedError } from '../domain';
import type { ExecutionDirectory, LogStore } from '../ports';
import { RecordCache, type RecordCacheOptions } from './record-cache';
import { parseTailRequest, type TailTarget } from './tail-request';
import { refuseUpgrade } from './upgrade-refusal';
import type { TailHub } from './tail-hub';
import { TailSocket } from './tail-socket';
import type { TicketSigner } from './ticket';

/** Limits of the tail server. */
export interface TailServerLimits {
  /** Most concurrent sockets (open or being admitted) from one client address. */
  readonly maxSocketsPerAddress: number;
  /** Most concurrent sockets opened with tickets of one API key. */
  readonly maxSocketsPerKey: number;
  /** Send-buffer size above which a consumer counts as slow. */
  readonly maxBufferedBytes: number;
  /** How long a consumer may stay slow before it is closed (ms). */
  readonly slowConsumerMs: number;
  /** Ping interval; a socket that misses a pong for a whole interval is terminated (ms). */
  readonly heartbeatMs: number;
}

/** The metrics the tail server feeds: declared here, so ws needs nothing of the API that provides them. */
export interface TailServerMetrics {
  /** Open sockets. */
  readonly openSockets: { inc(): void; dec(): void };
  /** Events sent to sockets. */
  readonly eventsSent: { inc(count: number): void };
}

/** Dependencies and settings of the tail server. */
export interface TailServerOptions {
  /** The hub the sockets subscribe to; the server closes it when it closes. */
  readonly hub: TailHub;
  readonly store: LogStore;
  /** Consulted when the store has no record of an execution (e.g. started outside the API). */
  readonly directory?: ExecutionDirectory;
  readonly tickets: TicketSigner;
  /** True when API keys are configured: a socket then needs the ticket from `websocket_url`. */
  readonly requireTicket: boolean;
  /** What the server counts (the API process's Prometheus gauge and counter fit). */
  readonly metrics: TailServerMetrics;
  readonly logger: Logger;
  readonly limits: TailServerLimits;
  /** Browser origins allowed besides the API's own host. */
  readonly allowedOrigins: readonly string[];
  /** How long the upgrade check reuses an execution's record (default: about a second while it runs). */
  readonly records?: Omit<RecordCacheOptions, 'now'>;
  readonly now?: () => number;
}

// Clients send nothing but control frames; anything bigger than a small text is refused by `ws` (1009).
const MAX_PAYLOAD_BYTES = 1024;
const SHUTDOWN_WAIT_MS = 3000;

/**
 * The WebSocket tail endpoint `/ws?execution_id=ID&last_index=K&ticket=T` on an existing HTTP
 * server. Everything is checked on upgrade, before the handshake (path, origin, query, ticket,
 * per-address limit, the execution and the index), and a refusal is a plain HTTP 4xx/5xx with the
 * API's JSON error body. Accepted sockets subscribe to the shared per-execution tail of the hub.
 */
export class TailServer {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<TailSocket>();
  private readonly perAddress = new Map<string, number>();
  private readonly perKey = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[];
  private readonly now: () => number;
  private readonly records: RecordCache;
  /** Directory look-ups under way, shared by the upgrade checks of one execution. */
  private readonly describing = new Map<string, Promise<boolean>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: TailServerOptions) {
    this.now = options.now ?? Date.now;
    // A wave of sockets joining one execution reads its record about once a second, not once each.
    this.records = new RecordCache(options.store, { ...options.records, now: this.now });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_PAYLOAD_BYTES,
      clientTracking: false,
      perMessageDeflate: false,
    });
    const { heartbeatMs, slowConsumerMs } = options.limits;
    this.timers = [
      setInterval(() => this.sockets.forEach((socket) => socket.heartbeat()), heartbeatMs),
      setInterval(
        () => {
          const now = this.now();
          this.sockets.forEach((socket) => socket.checkBuffer(now));
        },
        Math.max(50, Math.min(1000, slowConsumerMs / 4)),
      ),
    ];
    for (const timer of this.timers) timer.unref();
  }

  /** Open sockets. */
  get socketCount(): number {
    return this.sockets.size;
  }

  /** Serves the tail endpoint on `server`'s upgrade requests (every other upgrade path gets a 404). */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.admit(request, socket, head);
    });
  }

  /** Closes every socket with 1001 and stops the tails; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const timer of this.timers) clearInterval(timer);
      const open = [...this.sockets];
      for (const socket of open) socket.end(CLOSE_CODES.goingAway, 'server shutting down');
      this.options.hub.close();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(open.map((socket) => socket.closed)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
      for (const socket of this.sockets) socket.ws.terminate();
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    })();
    return this.closing;
  }

  private async admit(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // A client that resets mid-admission must not crash the process.
    const ignoreError = (): void => undefined;
    socket.on('error', ignoreError);
    const address = request.socket.remoteAddress ?? 'unknown';
    let target: TailTarget | undefined;
    try {
      target = parseTailRequest(request, { ...this.options, closing: this.closing !== undefined });
      this.holdSlot(this.perAddress, address, this.options.limits.maxSocketsPerAddress, 'address', socket);
      if (target.holder !== '') {
        this.holdSlot(this.perKey, target.holder, this.options.limits.maxSocketsPerKey, 'API key', socket);
      }
      await this.checkExecution(target);
      if (socket.destroyed) return;
      if (this.closing) throw new RequestRefusedError('SHUTTING_DOWN', 'the server is shutting down');
      const accepted = target;
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        socket.off('error', ignoreError);
        this.accept(ws, accepted, address);
      });
    } catch (error) {
      refuseUpgrade(socket, error, this.options.logger, { executionId: target?.executionId, address });
    }
  }

  /** Counts the socket against `key` (an address or an API key) until it closes, refusing one over `limit`. */
  private holdSlot(counts: Map<string, number>, key: string, limit: number, what: string, socket: Duplex): void {
    const held = counts.get(key) ?? 0;
    if (held >= limit) throw new RequestRefusedError('TOO_MANY_SOCKETS', `at most ${limit} sockets per ${what}`);
    counts.set(key, held + 1);
    socket.once('close', () => {
      const left = (counts.get(key) ?? 1) - 1;
      if (left > 0) counts.set(key, left);
      else counts.delete(key);
    });
  }

  /** The execution must exist, and the client cannot have seen past what is stored. */
  private async checkExecution(target: TailTarget): Promise<void> {
    try {
      const record = await this.records.get(target.executionId);
      if (!record && !(await this.knownToDirectory(target.executionId))) {
        throw new RequestRefusedError('EXECUTION_NOT_FOUND', `execution ${target.executionId} does not exist`);
      }
      // Only a sealed log has a known end. While running, a client may be ahead of the store (its
      // index came from a CloudWatch read): the tail then sends what follows once it is stored.
      const sealedAt = record?.seal?.lastIndex;
      if (sealedAt !== undefined && target.lastIndex > sealedAt) {
        throw new InvalidInputError(
          'last_index',
          `last_index ${target.lastIndex} is past the log's last index ${sealedAt}`,
        );
      }
    } catch (error) {
      // A throttled dependency is answered 429 with Retry-After by the one mapping (`toWireError`).
      const throttled = (error as { throttled?: unknown }).throttled === true;
      if (
        error instanceof LogstreamError &&
        (error.code === 'INVALID_INPUT' || error instanceof RequestRefusedError || throttled)
      ) {
        throw error;
      }
      throw new RequestRefusedError(unavailableCode(error), 'the log store is unavailable; retry later', {
        cause: error,
      });
    }
  }

  /**
   * Whether the directory knows an execution the store has no record of (one started moments ago); the
   * concurrent checks of one execution share one look-up.
   */
  private knownToDirectory(executionId: string): Promise<boolean> {
    const { directory } = this.options;
    if (!directory) return Promise.resolve(false);
    let known = this.describing.get(executionId);
    if (!known) {
      known = directory.describe(executionId).then((info) => info !== undefined);
      this.describing.set(executionId, known);
      const forget = (): void => void this.describing.delete(executionId);
      known.then(forget, forget);
    }
    return known;
  }

  private accept(ws: WebSocket, target: TailTarget, address: string): void {
    const { logger, metrics, limits, hub } = this.options;
    const socket = new TailSocket(ws, {
      executionId: target.executionId,
      lastIndex: target.lastIndex,
      maxBufferedBytes: limits.maxBufferedBytes,
      slowConsumerMs: limits.slowConsumerMs,
      logger,
      onEventsSent: (count) => metrics.eventsSent.inc(count),
      now: this.now,
    });
    this.sockets.add(socket);
    metrics.openSockets.inc();
    logger.info({ executionId: target.executionId, lastIndex: target.lastIndex, address }, 'tail opened');
    ws.on('error', (error) => logger.debug({ executionId: target.executionId, err: error }, 'socket error'));
    // Clients send nothing but pings (answered by `ws`); other messages are ignored.
    ws.on('message', () => undefined);
    ws.once('close', (code: number) => {
      this.sockets.delete(socket);
      metrics.openSockets.dec();
      logger.info({ executionId: target.executionId, code, lastIndex: socket.lastIndex }, 'tail closed');
    });
    if (this.closing) {
      socket.end(CLOSE_CODES.goingAway, 'server shutting down');
      return;
    }
    hub.subscribe(target.executionId, target.lastIndex, socket).then(
      (subscription) => socket.attach(subscription),
      (error: unknown) =>
        socket.fail(
          error instanceof LogstreamError
            ? error
            : new LogstreamError('TAIL_FAILED', 'the tail could not start', { cause: error }),
        ),
    );
  }
}

/**
 * The 503 code a failed look-up is refused with: the dependency's own when it has one (Temporal's, DynamoDB's), else
 * the log store's (the message says the store is unavailable).
 */
function unavailableCode(error: unknown): string {
  const code = error instanceof LogstreamError ? error.code : undefined;
  return isErrorCode(code) && ERROR_CODES[code].status === 503 ? code : 'DYNAMODB_UNAVAILABLE';
}
