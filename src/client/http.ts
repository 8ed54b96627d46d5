import { ApiError, ApiUnreachableError, apiErrorFor } from './errors';

/** Where the API is and how to authenticate. */
export interface HttpOptions {
  /** API base URL, e.g. http://127.0.0.1:8080; `''` in a page the API serves: paths go to the page's own origin. */
  readonly url: string;
  /** The API key, or where to read it at each call (a browser session's key may change). */
  readonly apiKey?: string | (() => string | null | undefined);
  /**
   * Called when the API refuses the key (401, 403): resolves true once a key to retry with is in place (the web app
   * asks for one), false to reject with the `AuthenticationError`.
   */
  readonly onUnauthorized?: (error: ApiError) => Promise<boolean>;
}

/**
 * The calls of the API (snake_case bodies stay on this side of the client); errors become `ApiError`s. It uses only
 * `fetch`, so the Node client, the CLI and the web app share it.
 */
export class ApiHttp {
  private readonly base: string;

  constructor(private readonly options: HttpOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** One JSON call; rejects with the `ApiError` subclass of the answer, or `ApiUnreachableError`. */
  async request<T>(method: string, path: string, body?: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const response = await this.send(method, path, body, signal);
    return (await parseJson(response, path)) as T;
  }

  /** One call whose successful answer the caller reads (a download); rejects as `request` does. */
  async send(method: string, path: string, body?: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
    for (;;) {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      const apiKey = typeof this.options.apiKey === 'function' ? this.options.apiKey() : this.options.apiKey;
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      let response: Response;
      try {
        response = await fetch(`${this.base}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch (error) {
        // An aborted call rejects with the signal's reason, as fetch does: the caller asked for it.
        if (signal?.aborted) throw signal.reason;
        throw new ApiUnreachableError(`cannot reach ${this.base || 'the API'}: ${(error as Error).message}`);
      }
      if (response.ok) return response;
      const parsed = await parseJson(response, path);
      const wire = (parsed as { error?: { code?: string; message?: string } }).error;
      const error = apiErrorFor(
        response.status,
        wire?.code ?? 'HTTP_ERROR',
        wire?.message ?? `HTTP ${response.status}`,
      );
      const refused = response.status === 401 || response.status === 403;
      if (refused && this.options.onUnauthorized && (await this.options.onUnauthorized(error))) continue;
      throw error;
    }
  }
}

/** The JSON of an answer (`{}` when empty); an `ApiError` BAD_RESPONSE when it is not JSON. */
async function parseJson(response: Response, path: string): Promise<unknown> {
  const text = await response.text();
  try {
    return text.length > 0 ? JSON.parse(text) : {};
  } catch {
    throw new ApiError(response.status, 'BAD_RESPONSE', `non-JSON answer from ${path}`);
  }
}
