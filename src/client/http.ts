import { ApiError, ApiUnreachableError, apiErrorFor } from './errors';

/** Where the API is and how to authenticate. */
export interface HttpOptions {
  /** API base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly apiKey?: string;
}

/** The JSON calls of the API (snake_case bodies stay on this side of the client); errors become `ApiError`s. */
export class ApiHttp {
  private readonly base: string;

  constructor(private readonly options: HttpOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** One call; rejects with the `ApiError` subclass of the answer, or `ApiUnreachableError`. */
  async request<T>(method: string, path: string, body?: Record<string, unknown>): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiUnreachableError(`cannot reach ${this.base}: ${(error as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(response.status, 'BAD_RESPONSE', `non-JSON answer from ${path}`);
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } }).error;
      throw apiErrorFor(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  }
}
