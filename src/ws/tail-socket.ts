import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { CLOSE_CODES, toCloseFrame, type StatusFrame } from '../contract';
import type { LogstreamError } from '../domain';
import type { EventBatch } from './event-batch';
import type { FinalStatus, TailSink, TailSubscription } from './tail-interfaces';

/** Options of one socket's sink. */
export interface TailSocketOptions {
  readonly executionId: string;
  readonly lastIndex: number;
  readonly maxBufferedBytes: number;
  readonly slowConsumerMs: number;
  readonly logger: Logger;
  readonly onEventsSent: (count: number) => void;
  readonly now: () => number;
}

// A socket closed for misbehaving (or at shutdown) that does not finish its close handshake in
// this time is cut, so a stalled peer cannot keep its buffer in memory.
const CLOSE_GRACE_MS = 5000;
// Most bytes of a close reason (RFC 6455 leaves 123 after the code).
const MAX_REASON_BYTES = 123;

/** One WebSocket tail: the sink a hub subscription delivers to, with its send-buffer and liveness checks. */
export class TailSocket implements TailSink {
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>;
  private alive = true;
  private overSince: number | undefined;
  private subscription: TailSubscription | undefined;
  private ending = false;
  private lastSent: number;

  constructor(
    readonly ws: WebSocket,
    private readonly options: TailSocketOptions,
  ) {
    this.lastSent = options.lastIndex;
    ws.on('pong', () => {
      this.alive = true;
    });
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    void this.closed.then(() => this.release());
  }

  /** The highest index sent on this socket. */
  get lastIndex(): number {
    return this.lastSent;
  }

  /** Binds the hub subscription (it is closed with the socket). */
  attach(subscription: TailSubscription): void {
    if (this.ending || this.ws.readyState !== WebSocket.OPEN) subscription.close();
    else this.subscription = subscription;
  }

  deliver(batch: EventBatch): void {
    if (!this.writable()) return;
    this.ws.send(batch.message());
    this.lastSent = batch.last;
    this.options.onEventsSent(batch.events.length);
    this.checkBuffer(this.options.now());
  }

  drained(): Promise<void> {
    const lowWater = this.options.maxBufferedBytes / 4;
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.writable() || this.ws.bufferedAmount <= lowWater) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
  }

  finish(final: FinalStatus): void {
    if (!this.writable()) return;
    const frame: StatusFrame = { type: 'status', status: final.status, last_index: final.lastIndex };
    this.ws.send(JSON.stringify(frame));
    this.options.logger.info(
      { executionId: this.options.executionId, status: final.status, lastIndex: final.lastIndex },
      'tail complete',
    );
    this.end(CLOSE_CODES.normal, 'log complete', false);
  }

  fail(error: LogstreamError): void {
    if (this.ending) return;
    this.options.logger.warn({ executionId: this.options.executionId, err: error }, 'tail failed');
    const frame = toCloseFrame(error);
    this.end(frame.code, frame.reason);
  }

  /**
   * Closes the socket with `code` and `reason` and leaves the tail at once. A normal close waits for
   * the buffered events to be written; any other is cut after a grace period if the peer stalls.
   */
  end(code: number, reason: string, enforce = true): void {
    if (this.ending) return;
    this.ending = true;
    this.release();
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(code, truncateUtf8(reason, MAX_REASON_BYTES));
    if (enforce) {
      const timer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
      timer.unref();
      void this.closed.then(() => clearTimeout(timer));
    }
  }

  /** Closes a consumer whose send buffer stayed over the limit for too long. */
  checkBuffer(now: number): void {
    if (this.ending) return;
    if (this.ws.bufferedAmount <= this.options.maxBufferedBytes) {
      this.overSince = undefined;
      return;
    }
    this.overSince ??= now;
    if (now - this.overSince < this.options.slowConsumerMs) return;
    this.options.logger.warn(
      { executionId: this.options.executionId, bufferedBytes: this.ws.bufferedAmount, lastIndex: this.lastSent },
      'closing a slow consumer',
    );
    this.end(CLOSE_CODES.slowConsumer, `slow consumer: reconnect with last_index=${this.lastSent}`);
  }

  /** Heartbeat: terminates a socket that did not answer the previous ping, then pings again. */
  heartbeat(): void {
    if (!this.alive) {
      this.options.logger.info({ executionId: this.options.executionId }, 'terminating an unresponsive socket');
      this.ws.terminate();
      return;
    }
    this.alive = false;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  private writable(): boolean {
    return !this.ending && this.ws.readyState === WebSocket.OPEN;
  }

  private release(): void {
    this.subscription?.close();
    this.subscription = undefined;
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = text.slice(0, maxBytes);
  while (Buffer.byteLength(cut) > maxBytes) cut = cut.slice(0, -1);
  return cut;
}
