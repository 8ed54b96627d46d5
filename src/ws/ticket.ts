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

  /**
   * A ticket for `executionId`, valid for the configured time. `holder` (a short hex id of the API
   * key that asked for it) is signed into the ticket, so sockets can be limited per key.
   */
  issue(executionId: string, holder = ''): string {
    if (!/^[0-9a-f]{0,16}$/.test(holder)) throw new RangeError('a ticket holder is up to 16 hex digits');
    const expires = this.now() + this.ttlMs;
    const signature = this.sign(executionId, expires, holder);
    return holder === '' ? `${expires.toString(36)}.${signature}` : `${expires.toString(36)}.${holder}.${signature}`;
  }

  /** True when `ticket` was issued here for `executionId` and has not expired. */
  verify(executionId: string, ticket: string): boolean {
    return this.holderOf(executionId, ticket) !== undefined;
  }

  /** The holder of a valid ticket (`''` when it has none); undefined when the ticket is not valid. */
  holderOf(executionId: string, ticket: string): string | undefined {
    const match = /^([0-9a-z]{1,12})\.(?:([0-9a-f]{1,16})\.)?([A-Za-z0-9_-]{43})$/.exec(ticket);
    if (!match?.[1] || !match[3]) return undefined;
    const expires = parseInt(match[1], 36);
    if (!Number.isSafeInteger(expires) || expires < this.now()) return undefined;
    const holder = match[2] ?? '';
    const expected = Buffer.from(this.sign(executionId, expires, holder));
    const given = Buffer.from(match[3]);
    return expected.length === given.length && timingSafeEqual(expected, given) ? holder : undefined;
  }

  private sign(executionId: string, expires: number, holder: string): string {
    return createHmac('sha256', this.key).update(`${executionId}\n${expires}\n${holder}`).digest('base64url');
  }
}

/** The `websocket_url` a client uses to tail `executionId` after `lastIndex`. */
export function websocketUrl(host: string, executionId: string, lastIndex: number, ticket: string): string {
  const query = new URLSearchParams({ execution_id: executionId, last_index: String(lastIndex), ticket });
  return `ws://${host}/ws?${query.toString()}`;
}
