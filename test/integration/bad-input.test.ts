import { newExecutionId, startHarness, TEST_TICKET_SECRET, type Harness } from '../support/harness';

interface BadRequest {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly status: number;
  readonly code: string;
}

const json = 'application/json';

describe('REST API: every malformed input gets a 4xx JSON error and the server keeps serving', () => {
  let h: Harness;
  let known: string;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    known = newExecutionId('known');
    await h.client.start({ logGroup: h.config.logGroup, logStream: `external/${known}`, executionId: known });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const cases = (): BadRequest[] => [
    // ids in the path
    { name: 'id too long', method: 'GET', path: `/executions/${'a'.repeat(129)}`, status: 400, code: 'INVALID_INPUT' },
    { name: 'id with ../', method: 'GET', path: '/executions/..%2Fx/logs', status: 400, code: 'INVALID_INPUT' },
    { name: 'id with NUL', method: 'GET', path: '/executions/a%00b', status: 400, code: 'INVALID_INPUT' },
    { name: 'id with newline', method: 'GET', path: '/executions/a%0Ab/logs', status: 400, code: 'INVALID_INPUT' },
    { name: 'id with space', method: 'GET', path: '/executions/a%20b/logs', status: 400, code: 'INVALID_INPUT' },
    { name: 'id with unicode', method: 'GET', path: '/executions/%C3%A9t%C3%A9', status: 400, code: 'INVALID_INPUT' },
    { name: 'id starting with a dot', method: 'GET', path: '/executions/.hidden', status: 400, code: 'INVALID_INPUT' },
    { name: 'unknown id', method: 'GET', path: '/executions/never-seen-123', status: 404, code: 'EXECUTION_NOT_FOUND' },
    {
      name: 'unknown id logs',
      method: 'GET',
      path: '/executions/never-seen-123/logs',
      status: 404,
      code: 'EXECUTION_NOT_FOUND',
    },
    // /logs query
    {
      name: 'negative since_index',
      method: 'GET',
      path: `/executions/${known}/logs?since_index=-1`,
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'fractional since_index',
      method: 'GET',
      path: `/executions/${known}/logs?since_index=1.5`,
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'text since_index',
      method: 'GET',
      path: `/executions/${known}/logs?since_index=abc`,
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'huge since_index',
      method: 'GET',
      path: `/executions/${known}/logs?since_index=${'9'.repeat(30)}`,
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'empty since_index',
      method: 'GET',
      path: `/executions/${known}/logs?since_index=`,
      status: 400,
      code: 'INVALID_INPUT',
    },
    { name: 'limit 0', method: 'GET', path: `/executions/${known}/logs?limit=0`, status: 400, code: 'INVALID_INPUT' },
    {
      name: 'limit too big',
      method: 'GET',
      path: `/executions/${known}/logs?limit=10001`,
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'limit negative',
      method: 'GET',
      path: `/executions/${known}/logs?limit=-5`,
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'repeated since_index',
      method: 'GET',
      path: `/executions/${known}/logs?since_index=1&since_index=2`,
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'unknown query parameter',
      method: 'GET',
      path: `/executions/${known}/logs?sinceIndex=1`,
      status: 400,
      code: 'INVALID_INPUT',
    },
    // list
    { name: 'bad status filter', method: 'GET', path: '/executions?status=DONE', status: 400, code: 'INVALID_INPUT' },
    { name: 'bad list limit', method: 'GET', path: '/executions?limit=0', status: 400, code: 'INVALID_INPUT' },
    { name: 'list limit too big', method: 'GET', path: '/executions?limit=100000', status: 400, code: 'INVALID_INPUT' },
    // POST /executions bodies
    {
      name: 'no content type',
      method: 'POST',
      path: '/executions',
      body: '{"command":["true"]}',
      contentType: 'text/plain',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'invalid JSON',
      method: 'POST',
      path: '/executions',
      body: '{"command":',
      status: 400,
      code: 'INVALID_INPUT',
    },
    { name: 'JSON array body', method: 'POST', path: '/executions', body: '[]', status: 400, code: 'INVALID_INPUT' },
    { name: 'JSON null body', method: 'POST', path: '/executions', body: 'null', status: 400, code: 'INVALID_INPUT' },
    { name: 'empty object', method: 'POST', path: '/executions', body: '{}', status: 400, code: 'INVALID_INPUT' },
    {
      name: 'command not an array',
      method: 'POST',
      path: '/executions',
      body: '{"command":"ls -l"}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'empty command',
      method: 'POST',
      path: '/executions',
      body: '{"command":[]}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'command with a number',
      method: 'POST',
      path: '/executions',
      body: '{"command":["echo",1]}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'command with NUL',
      method: 'POST',
      path: '/executions',
      body: '{"command":["echo","a\\u0000b"]}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'empty program',
      method: 'POST',
      path: '/executions',
      body: '{"command":[""]}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'too many arguments',
      method: 'POST',
      path: '/executions',
      body: JSON.stringify({ command: Array.from({ length: 300 }, () => 'x') }),
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'body too large',
      method: 'POST',
      path: '/executions',
      body: JSON.stringify({ command: ['echo', 'x'.repeat(300_000)] }),
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    {
      name: 'bad execution_id in body',
      method: 'POST',
      path: '/executions',
      body: '{"command":["true"],"execution_id":"../../x"}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'numeric execution_id',
      method: 'POST',
      path: '/executions',
      body: '{"command":["true"],"execution_id":42}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'unknown field',
      method: 'POST',
      path: '/executions',
      body: '{"command":["true"],"cmd":["x"]}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'command and log stream',
      method: 'POST',
      path: '/executions',
      body: '{"command":["true"],"log_group":"/g","log_stream":"s"}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'log stream with colon',
      method: 'POST',
      path: '/executions',
      body: '{"log_group":"/g","log_stream":"a:b"}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'log group with space',
      method: 'POST',
      path: '/executions',
      body: '{"log_group":"/g x","log_stream":"s"}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'log stream missing',
      method: 'POST',
      path: '/executions',
      body: '{"log_group":"/g"}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'duplicate execution',
      method: 'POST',
      path: '/executions',
      body: `{"log_group":"/g","log_stream":"s","execution_id":"${known}"}`,
      status: 409,
      code: 'EXECUTION_EXISTS',
    },
    // completion
    {
      name: 'bad status',
      method: 'POST',
      path: `/executions/${known}/complete`,
      body: '{"status":"DONE"}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'RUNNING is not a completion',
      method: 'POST',
      path: `/executions/${known}/complete`,
      body: '{"status":"RUNNING"}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'bad completed_at',
      method: 'POST',
      path: `/executions/${known}/complete`,
      body: '{"status":"FAILED","completed_at":"yesterday"}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'future completed_at',
      method: 'POST',
      path: `/executions/${known}/complete`,
      body: '{"status":"FAILED","completed_at":"2999-01-01T00:00:00Z"}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'fractional completed_at',
      method: 'POST',
      path: `/executions/${known}/complete`,
      body: '{"status":"FAILED","completed_at":1.5}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'exit code out of range',
      method: 'POST',
      path: `/executions/${known}/complete`,
      body: '{"status":"FAILED","exit_code":300}',
      status: 400,
      code: 'INVALID_INPUT',
    },
    {
      name: 'complete unknown',
      method: 'POST',
      path: '/executions/never-seen-123/complete',
      body: '{"status":"FAILED"}',
      status: 404,
      code: 'EXECUTION_NOT_FOUND',
    },
    {
      name: 'stop unknown',
      method: 'POST',
      path: '/executions/never-seen-123/stop',
      status: 404,
      code: 'EXECUTION_NOT_FOUND',
    },
    // routes
    { name: 'unknown route', method: 'GET', path: '/nope', status: 404, code: 'NOT_FOUND' },
    { name: 'wrong method', method: 'DELETE', path: `/executions/${known}`, status: 404, code: 'NOT_FOUND' },
  ];

  it('answers each of 50 malformed requests with its 4xx and code', async () => {
    const list = cases();
    expect(list.length).toBeGreaterThanOrEqual(40);
    for (const bad of list) {
      const response = await fetch(`${h.server.url}${bad.path}`, {
        method: bad.method,
        headers: bad.body === undefined ? {} : { 'content-type': bad.contentType ?? json },
        body: bad.body,
      }).catch((error: unknown) => {
        throw new Error(`${bad.name}: ${String(error)}`);
      });
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      expect({ name: bad.name, status: response.status, code: body.error?.code }).toEqual({
        name: bad.name,
        status: bad.status,
        code: bad.code,
      });
      expect(typeof body.error?.message).toBe('string');
    }
    // Still serving, and the known execution is intact.
    const page = await h.client.getHandle(known).logs();
    expect(page).toMatchObject({ executionId: known, status: 'RUNNING', events: [] });
  });
});

describe('REST API with API keys', () => {
  let h: Harness;
  const key = 'k'.repeat(24);
  beforeAll(async () => {
    h = await startHarness({
      worker: false,
      env: { LOGSTREAM_API_KEYS: `${key},${'z'.repeat(20)}`, LOGSTREAM_TICKET_SECRET: TEST_TICKET_SECRET },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('requires a known Bearer key everywhere but the probes', async () => {
    const url = `${h.server.url}/executions`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    const malformed = await fetch(url, { headers: { authorization: `Basic ${key}` } });
    expect(malformed.status).toBe(401);
    const wrong = await fetch(url, { headers: { authorization: `Bearer ${'w'.repeat(24)}` } });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
    const metrics = await fetch(`${h.server.url}/metrics`);
    expect(metrics.status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await fetch(`${h.server.url}/healthz`)).status).toBe(200);
    // The client sends the first configured key.
    const id = newExecutionId('keyed');
    await h.client.start({ logGroup: h.config.logGroup, logStream: `external/${id}`, executionId: id });
    const page = await h.client.getHandle(id).logs();
    expect(page.websocketUrl).toMatch(/ticket=[0-9a-z]+\.[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
  });
});
