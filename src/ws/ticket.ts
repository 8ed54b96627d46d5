import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Signs and checks WebSocket tickets: HMAC-signed, scoped to one execution, short-lived. */
export class TicketSigner {
  private readonly key: Buffer;

  /** `secret` shared by every API process behind one URL; a random one suits a single process. */
  constructor(
    secret: string | Buffer = randomBytes(32),
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  }

  /** A ticket for `executionId`, valid for the configured time. */
  issue(executionId: string): string {
    const expires = this.now() + this.ttlMs;
    return `${expires.toString(36)}.${this.sign(executionId, expires)}`;
  }

  /** True when `ticket` was issued here for `executionId` and has not expired. */
  verify(executionId: string, ticket: string): boolean {
    const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
    if (!match?.[1] || !match[2]) return false;
    const expires = parseInt(match[1], 36);
    if (!Number.isSafeInteger(expires) || expires < this.now()) return false;
    const expected = Buffer.from(this.sign(executionId, expires));
    const given = Buffer.from(match[2]);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(executionId: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${executionId}\n${expires}`).digest('base64url');
  }
}

/** The `websocket_url` a client uses to tail `executionId` after `lastIndex`. */
export function websocketUrl(host: string, executionId: string, lastIndex: number, ticket: string): string {
  const query = new URLSearchParams({ execution_id: executionId, last_index: String(lastIndex), ticket });
  return `ws://${host}/ws?${query.toString()}`;
}
