/// <reference lib="dom" />
import { apiErrorFor } from '../../client/errors';
import { askForKey } from './key-prompt';

export { ApiError } from '../../client/errors';

const KEY_STORAGE = 'logstream.apiKey';

/** One execution as `GET /executions` lists it. */
export interface ExecutionSummary {
  readonly execution_id: string;
  readonly status: string;
  readonly started_at: string | null;
  readonly completed_at: string | null;
}

/** `GET /executions/{id}`. */
export interface ExecutionView extends ExecutionSummary {
  readonly last_index: number;
  readonly sealed: boolean;
  readonly seal_pending?: boolean;
  readonly exit_code: number | null;
}

/** One log line. */
export interface LogEvent {
  readonly index: number;
  readonly timestamp: number;
  /** `stdout`/`stderr` of a managed job, the log stream's name of an external one (absent from older APIs). */
  readonly stream?: string;
  readonly message: string;
}

/** `GET /executions/{id}/logs`. */
export interface LogsPage {
  readonly status: string;
  readonly sealed: boolean;
  readonly seal_pending?: boolean;
  readonly events: LogEvent[];
  readonly last_index: number;
  readonly next_index: number | null;
  readonly websocket_url: string;
  readonly source: string;
}

/** `GET /executions/{id}/search`. */
export interface SearchPage {
  readonly sealed: boolean;
  readonly matches: LogEvent[];
  readonly next_index: number | null;
  readonly scanned_to: number;
}

/** The API key of this browser session, if one was given. */
export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** Forgets the key (it lives in sessionStorage only: closing the browser session forgets it too). */
export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** A request to the API with the session's key; a 401/403 asks for a key and retries. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  for (;;) {
    const headers = new Headers(init.headers);
    const key = storedKey();
    if (key) headers.set('Authorization', `Bearer ${key}`);
    const response = await fetch(path, { ...init, headers });
    if (response.status === 401 || response.status === 403) {
      const key = await askForKey(response.status === 403 ? 'That API key was refused.' : 'This API needs a key.');
      sessionStorage.setItem(KEY_STORAGE, key);
      document.dispatchEvent(new Event('logstream:key'));
      continue;
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => undefined)) as
        { error?: { code?: string; message?: string } } | undefined;
      throw apiErrorFor(
        response.status,
        body?.error?.code ?? `HTTP_${response.status}`,
        body?.error?.message ?? response.statusText,
      );
    }
    return response;
  }
}

/** A JSON API call. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await (await apiFetch(path, init)).json()) as T;
}
