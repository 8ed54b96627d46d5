import { ApiHttp } from '../../../src/client/http';

// ApiHttp as the web app uses it (global fetch replaced, no server): paths relative to the page's origin, the key
// read at each call, a refused key handed to onUnauthorized and the call retried, an abort that stays an abort.
const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** Answers 401 until the request carries `Bearer good`; records each URL and authorization header. */
function serveWithKey(): { url: string; authorization: string | undefined }[] {
  const calls: { url: string; authorization: string | undefined }[] = [];
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const authorization = (init?.headers as Record<string, string> | undefined)?.authorization;
    calls.push({ url: String(input), authorization });
    if (authorization !== 'Bearer good') {
      return new Response(JSON.stringify({ error: { code: 'UNAUTHENTICATED', message: 'needs a key' } }), {
        status: 401,
      });
    }
    return new Response(JSON.stringify({ ok: true }), { status: 200 });
  }) as typeof fetch;
  return calls;
}

describe('ApiHttp', () => {
  test("'' as the url sends paths as they are (the page's origin); the key is read at each call", async () => {
    const calls = serveWithKey();
    let key: string | null = 'good';
    const http = new ApiHttp({ url: '', apiKey: () => key });
    expect(await http.request('GET', '/executions')).toEqual({ ok: true });
    key = null;
    await expect(http.request('GET', '/executions')).rejects.toMatchObject({
      name: 'AuthenticationError',
      code: 'UNAUTHENTICATED',
    });
    expect(calls).toEqual([
      { url: '/executions', authorization: 'Bearer good' },
      { url: '/executions', authorization: undefined },
    ]);
  });

  test('a refused key goes to onUnauthorized, and the call is retried with the key it put in place', async () => {
    const calls = serveWithKey();
    let key = 'stale';
    const refusals: string[] = [];
    const http = new ApiHttp({
      url: 'http://api.invalid/',
      apiKey: () => key,
      onUnauthorized: async (error) => {
        refusals.push(error.code);
        key = 'good';
        return true;
      },
    });
    const response = await http.send('GET', '/executions/a/logs.txt');
    expect(response.status).toBe(200);
    expect(refusals).toEqual(['UNAUTHENTICATED']);
    expect(calls.map((c) => c.authorization)).toEqual(['Bearer stale', 'Bearer good']);
  });

  test('onUnauthorized resolving false rejects with the AuthenticationError', async () => {
    serveWithKey();
    const http = new ApiHttp({ url: '', apiKey: 'bad', onUnauthorized: async () => false });
    await expect(http.request('GET', '/executions')).rejects.toMatchObject({ name: 'AuthenticationError' });
  });

  test('an aborted call rejects with the signal reason, not as an unreachable API', async () => {
    globalThis.fetch = ((_input: unknown, init?: RequestInit) =>
      Promise.reject(init?.signal?.reason ?? new Error('no signal'))) as typeof fetch;
    const aborter = new AbortController();
    const reason = new Error('the user typed again');
    aborter.abort(reason);
    const http = new ApiHttp({ url: '' });
    await expect(http.request('GET', '/executions', undefined, aborter.signal)).rejects.toBe(reason);
    globalThis.fetch = (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch;
    await expect(http.request('GET', '/executions')).rejects.toMatchObject({ name: 'ApiUnreachableError' });
  });
});
