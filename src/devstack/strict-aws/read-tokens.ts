import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a strict token stands for: the emulator's own token (or none) for one read of one stream or group. */
export interface TokenPayload {
  /** The emulator's token to send in its place; null = call the emulator without a token. */
  inner: string | null;
  /** Operation and resource the token belongs to: a token is refused anywhere else. */
  scope: string;
  /** When the token was issued (ms since the epoch). */
  issuedAt: number;
}

interface Encoded {
  i: string | null;
  s: string;
  t: number;
  n: number;
}

/**
 * Opaque, signed tokens (CloudWatch read tokens, Kinesis shard iterators) that carry their issue time, so the strict
 * layer can expire them as AWS does and refuse tokens it never issued, without keeping state per token.
 */
export class TokenCodec {
  private readonly key = randomBytes(32);
  private counter = 0;

  /** A new token (a new string every time, even for the same position). */
  issue(payload: TokenPayload, prefix = ''): string {
    const encoded: Encoded = { i: payload.inner, s: payload.scope, t: payload.issuedAt, n: ++this.counter };
    const body = Buffer.from(JSON.stringify(encoded)).toString('base64url');
    return `${prefix}${body}.${this.sign(body)}`;
  }

  /** The payload of `token`; 'invalid' for a token not issued here or for another scope, 'expired' past `ttlMs`. */
  open(token: string, scope: string, now: number, ttlMs: number): TokenPayload | 'invalid' | 'expired' {
    const invalid = 'invalid';
    const match = /^(?:[fb]\/)?([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
    if (!match) return invalid;
    const [, body = '', signature = ''] = match;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return invalid;
    let decoded: Encoded;
    try {
      decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Encoded;
    } catch {
      return invalid;
    }
    if (decoded.s !== scope) return invalid;
    if (now - decoded.t > ttlMs) return 'expired';
    return { inner: decoded.i, scope: decoded.s, issuedAt: decoded.t };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url').slice(0, 22);
  }
}
