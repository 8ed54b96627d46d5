import pino from 'pino';
import { createApi } from '../../../src/api/app';
import { createMetrics } from '../../../src/api/metrics';
import type { ExecutionListView } from '../../../src/contract';
import type { ExecutionInfo, ExecutionStatus } from '../../../src/domain';
import { fixedDirectory } from '../../support/fake-directory';
import { InMemoryLogSource, InMemoryLogStore } from '../../support/fakes';

// GET /executions in-process against a paging fake directory: the query's validation, the page's body and
// next_page_token leading from page to page with a status filter.

const T0 = 1_700_000_000_000;
const STATUSES: ExecutionStatus[] = ['RUNNING', 'FAILED', 'SUCCEEDED'];

/** Seven executions, newest first, of mixed statuses. */
const infos: ExecutionInfo[] = Array.from({ length: 7 }, (_, i) => ({
  executionId: `e${7 - i}`,
  status: STATUSES[i % STATUSES.length] ?? 'RUNNING',
  startedAt: T0 - i * 1000,
  open: false,
}));

const app = createApi({
  directory: fixedDirectory(infos),
  store: new InMemoryLogStore(),
  source: new InMemoryLogSource(),
  metrics: createMetrics(),
  logger: pino({ level: 'silent' }),
  logGroup: '/logstream/executions',
  apiKeys: [],
  websocketUrl: () => 'ws://test/ws',
});

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const response = await app.request(path);
  return { status: response.status, body: await response.json() };
}

/** The ids of every page of `query`, following next_page_token. */
async function pagedIds(query: string): Promise<string[][]> {
  const pages: string[][] = [];
  let token: string | null = null;
  do {
    const { status, body } = await get(`/executions?${query}${token === null ? '' : `&page_token=${token}`}`);
    expect(status).toBe(200);
    const page = body as ExecutionListView;
    pages.push(page.executions.map((e) => e.execution_id));
    token = page.next_page_token;
  } while (token !== null);
  return pages;
}

describe('GET /executions', () => {
  test('one page by default: up to 50, newest first, next_page_token null at the end', async () => {
    const { body } = await get('/executions');
    expect(body).toMatchObject({ next_page_token: null });
    expect((body as ExecutionListView).executions.map((e) => e.execution_id)).toEqual(infos.map((i) => i.executionId));
  });

  test('limit is the page size; next_page_token leads through every page, each execution once', async () => {
    expect(await pagedIds('limit=3')).toEqual([['e7', 'e6', 'e5'], ['e4', 'e3', 'e2'], ['e1']]);
  });

  test('a status filter pages too', async () => {
    expect(await pagedIds('status=RUNNING&limit=2')).toEqual([['e7', 'e4'], ['e1']]);
  });

  test.each([
    ['not base64url', 'page_token=%25%25'],
    ['with padding', 'page_token=MQ%3D%3D'],
    ['too long', `page_token=${'A'.repeat(4097)}`],
    ['not one the directory gave', 'page_token=eHl6'],
  ])('a page_token %s is a 400 INVALID_INPUT naming page_token', async (_name, query) => {
    const { status, body } = await get(`/executions?${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'INVALID_INPUT', message: expect.stringMatching(/page_token/) } });
  });

  test('an empty page_token is the first page', async () => {
    expect(((await get('/executions?limit=1&page_token=')).body as ExecutionListView).executions).toHaveLength(1);
  });
});
