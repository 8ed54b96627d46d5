/// <reference lib="dom" />
import { ApiHttp } from '../../client/http';
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

// The HTTP client's calls, on the page's origin with the session's key; a 401/403 asks for a key and retries.
const http = new ApiHttp({
  url: '',
  apiKey: storedKey,
  onUnauthorized: async (error) => {
    const key = await askForKey(error.status === 403 ? 'That API key was refused.' : 'This API needs a key.');
    sessionStorage.setItem(KEY_STORAGE, key);
    document.dispatchEvent(new Event('logstream:key'));
    return true;
  },
});

/** A call whose answer the caller reads (a download). */
export function apiFetch(path: string): Promise<Response> {
  return http.send('GET', path);
}

/** A JSON API call (`signal` aborts it). */
export function api<T>(path: string, options: { method?: string; signal?: AbortSignal } = {}): Promise<T> {
  return http.request<T>(options.method ?? 'GET', path, undefined, options.signal);
}
