import type { IncomingMessage } from 'node:http';
import { TAIL_PATH, TAIL_QUERY_PARAMS } from '../contract';
import { InvalidInputError, parseExecutionId, parseIndexParam, RequestRefusedError } from '../domain';
import type { TicketSigner } from './ticket';

/** What an upgrade request asks for, once checked. */
export interface TailTarget {
  readonly executionId: string;
  readonly lastIndex: number;
  /** Id of the API key the ticket was issued to ('' without one). */
  readonly holder: string;
}

/** What checking an upgrade request needs to know. */
export interface TailRequestOptions {
  readonly tickets: TicketSigner;
  /** True when API keys are configured: a socket then needs the ticket from `websocket_url`. */
  readonly requireTicket: boolean;
  /** Browser origins allowed besides the API's own host. */
  readonly allowedOrigins: readonly string[];
  /** The server is shutting down: every upgrade is refused. */
  readonly closing: boolean;
}

/**
 * Checks an upgrade request before the handshake (path, method, origin, query, ticket) and returns
 * its target; throws `RequestRefusedError` or `InvalidInputError` for what must be refused.
 */
export function parseTailRequest(request: IncomingMessage, options: TailRequestOptions): TailTarget {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://upgrade.invalid');
  } catch {
    throw new RequestRefusedError('INVALID_INPUT', 'the request target is not a valid URL');
  }
  if (url.pathname !== TAIL_PATH) throw new RequestRefusedError('NOT_FOUND', `no WebSocket at ${url.pathname}`);
  if (options.closing) throw new RequestRefusedError('SHUTTING_DOWN', 'the server is shutting down');
  if (request.method !== 'GET' || request.headers.upgrade?.toLowerCase() !== 'websocket') {
    throw new RequestRefusedError('INVALID_INPUT', 'expected a GET WebSocket upgrade');
  }
  checkOrigin(request, options.allowedOrigins);
  const params = url.searchParams;
  for (const key of new Set(params.keys())) {
    if (!(TAIL_QUERY_PARAMS as readonly string[]).includes(key))
      throw new InvalidInputError(key, `unknown query parameter ${JSON.stringify(key)}`);
    if (params.getAll(key).length > 1) throw new InvalidInputError(key, `${key} given more than once`);
  }
  const executionId = parseExecutionId(params.get('execution_id') ?? undefined);
  const lastIndex = parseIndexParam(params.get('last_index') ?? undefined, 'last_index', 0, Number.MAX_SAFE_INTEGER);
  const ticket = params.get('ticket') ?? '';
  let holder = '';
  if (ticket === '') {
    if (options.requireTicket) {
      throw new RequestRefusedError('UNAUTHENTICATED', 'a ticket is required: take websocket_url from /logs');
    }
  } else {
    const valid = options.tickets.holderOf(executionId, ticket);
    // Also without keys: a ticket that is there but wrong is a client bug worth telling.
    if (valid === undefined) {
      throw new RequestRefusedError('UNAUTHENTICATED', 'the ticket is invalid, expired or for another execution');
    }
    holder = valid;
  }
  return { executionId, lastIndex, holder };
}

function checkOrigin(request: IncomingMessage, allowedOrigins: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new RequestRefusedError('FORBIDDEN_ORIGIN', 'the Origin header is malformed');
  }
  const trimmed = origin.replace(/\/+$/, '');
  if (host !== request.headers.host && !allowedOrigins.includes(trimmed)) {
    throw new RequestRefusedError('FORBIDDEN_ORIGIN', `origin ${trimmed} may not open tails here`);
  }
}
