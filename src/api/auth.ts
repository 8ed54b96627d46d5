import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { RequestRefusedError } from '../domain';
import type { ApiEnv } from './http';

// Probes answer without a key: orchestrators call them.
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Bearer API-key auth (built like hono's `bearerAuth`): with keys configured, every route but the
 * probes needs `Authorization: Bearer KEY` (401 without one, 403 for an unknown key); it records a
 * short id of the key for the routes (WebSocket tickets carry it, so sockets are limited per key).
 */
export function apiKeyAuth(apiKeys: readonly string[]): MiddlewareHandler<ApiEnv> {
  const keyDigests = apiKeys.map(digest);
  return async (c, next) => {
    c.set('apiKeyId', '');
    if (keyDigests.length === 0 || OPEN_PATHS.has(c.req.path)) return next();
    const header = c.req.header('authorization');
    const match = header === undefined ? null : /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    if (!match?.[1]) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new RequestRefusedError('UNAUTHENTICATED', 'send Authorization: Bearer <API key>');
    }
    const given = digest(match[1]);
    if (!keyDigests.some((key) => timingSafeEqual(key, given))) {
      throw new RequestRefusedError('FORBIDDEN', 'unknown API key');
    }
    c.set('apiKeyId', given.toString('hex').slice(0, 12));
    return next();
  };
}

// Comparing fixed-size digests keeps the comparison constant-time whatever the key lengths.
function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
