import type { Context } from 'hono';
import { InvalidInputError, RequestRefusedError } from '../domain';

/** Hono environment of the API: what the auth middleware records about the caller. */
export interface ApiEnv {
  readonly Variables: {
    /** A short, non-secret id of the caller's API key ('' without keys). */
    apiKeyId: string;
  };
}

/** The request body as a JSON object; 415 for another media type, 400 for anything but an object. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new RequestRefusedError('UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json');
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new InvalidInputError('body', 'request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError('body', 'request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** Refuses query parameters a route does not take, and known ones given twice. */
export function rejectUnknownQuery(c: Context, allowed: readonly string[]): void {
  const seen = new URL(c.req.url).searchParams;
  for (const key of seen.keys()) {
    if (!allowed.includes(key)) throw new InvalidInputError(key, `unknown query parameter ${JSON.stringify(key)}`);
  }
  for (const key of allowed) {
    if (seen.getAll(key).length > 1) throw new InvalidInputError(key, `${key} given more than once`);
  }
}

/** Epoch ms as ISO-8601, null when unknown. */
export function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
