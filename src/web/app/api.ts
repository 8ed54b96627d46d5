/// <reference lib="dom" />
import { apiErrorFor } from '../../client/errors';
import { askForKey } from './key-prompt';

export { ApiError } from '../../client/errors';

const KEY_STORAGE = 'logstream.apiKey';

// The wire's bodies and the error class are the contract's and the client's (one definition for every client).
export type {
  ExecutionSummary,
  ExecutionView,
  LogsView as LogsPage,
  SearchView as SearchPage,
  WireEvent as LogEvent,
} from '../../contract';

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
