// FilterLogEvents' own search lag and its empty pages, through the strict layer with a fake emulator behind it.
import type { HttpAnswer } from '../../../../src/devstack/strict-aws/http-answer';
import { StrictAwsLayer } from '../../../../src/devstack/strict-aws/strict-layer';

interface Event {
  logStreamName: string;
  eventId: string;
  message: string;
  ingestionTime: number;
}

const NOW = 1_000_000;

/** moto's FilterLogEvents: every event after the one its token (group@stream@eventId) names. */
function emulator(events: Event[]) {
  return async (input: Record<string, unknown>): Promise<HttpAnswer> => {
    const token = typeof input.nextToken === 'string' ? input.nextToken : undefined;
    const after = token === undefined ? -1 : events.findIndex((e) => token.endsWith(`@${e.eventId}`));
    const page = events.slice(after + 1);
    return { status: 200, headers: {}, body: Buffer.from(JSON.stringify({ events: page, nextToken: null })) };
  };
}

function setup(events: Event[], rules: Record<string, unknown>) {
  const layer = new StrictAwsLayer({ now: () => NOW });
  layer.setRules(rules);
  const answer = emulator(events);
  return async (nextToken?: string) => {
    const input = { logGroupName: 'g', ...(nextToken === undefined ? {} : { nextToken }) };
    const out = await layer.call('logs', 'FilterLogEvents', Buffer.from(JSON.stringify(input)), (rewritten) =>
      answer(rewritten ?? input),
    );
    return JSON.parse(out.body.toString('utf8')) as { events: Event[]; nextToken?: string };
  };
}

const event = (id: string, ingestionTime: number): Event => ({
  logStreamName: 's',
  eventId: id,
  message: `line ${id}`,
  ingestionTime,
});

describe('FilterLogEvents in the strict layer', () => {
  test('events ingested less than filterSearchLagMs ago are not found yet; the token resumes before them', async () => {
    const filter = setup([event('1', NOW - 5_000), event('2', NOW - 100)], { filterSearchLagMs: 1_000 });
    const page = await filter();
    expect(page.events.map((e) => e.eventId)).toEqual(['1']);
    expect(page.nextToken).toEqual(expect.any(String));
  });

  test('GetLogEvents is not held back by the search lag', async () => {
    const layer = new StrictAwsLayer({ now: () => NOW });
    layer.setRules({ filterSearchLagMs: 60_000, emptyPageEvery: 0 });
    const input = { logGroupName: 'g', logStreamName: 's', startFromHead: true };
    const out = await layer.call('logs', 'GetLogEvents', Buffer.from(JSON.stringify(input)), async () => ({
      status: 200,
      headers: {},
      body: Buffer.from(
        JSON.stringify({
          events: [event('1', NOW)],
          nextForwardToken: `f/${'0'.repeat(56)}`,
          nextBackwardToken: 'b/0',
        }),
      ),
    }));
    expect((JSON.parse(out.body.toString('utf8')) as { events: Event[] }).events).toHaveLength(1);
  });

  test('every Nth page with events comes back empty with a token at the same place; paging still finds all', async () => {
    const filter = setup([event('1', 0), event('2', 0)], { filterEmptyPageEvery: 2, readPage: { maxEvents: 1 } });
    const seen: string[] = [];
    const pages: number[] = [];
    let token: string | undefined;
    do {
      const page = await filter(token);
      pages.push(page.events.length);
      seen.push(...page.events.map((e) => e.eventId));
      token = page.nextToken;
    } while (token !== undefined);
    expect(seen).toEqual(['1', '2']);
    expect(pages).toContain(0);
  });
});
