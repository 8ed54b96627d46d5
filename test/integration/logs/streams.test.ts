import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { IndexedEvent } from '../../../src/domain';
import { resumingSocket } from '../../support/resuming-socket';
import { newExecutionId, startHarness, waitSealed, type Harness } from '../../support/harness';
import { endForwarders, ownStreamEnv, startOwnStreamHarness } from '../../support/own-stream';

/** Every event of a log as `/logs` pages it, with its stream. */
async function allEvents(h: Harness, executionId: string): Promise<IndexedEvent[]> {
  const events: IndexedEvent[] = [];
  for (let since = 0; ;) {
    const page = await h.client.getHandle(executionId).logs({ sinceIndex: since, limit: 10_000 });
    events.push(...page.events);
    if (page.nextIndex === null) return events;
    since = page.nextIndex;
  }
}

/** The lines of the jsonl download, parsed. */
async function downloaded(h: Harness, executionId: string): Promise<IndexedEvent[]> {
  const response = await fetch(`${h.server.url}/executions/${executionId}/logs.jsonl`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as IndexedEvent);
}

/** Every event the WebSocket tail sends from index 0 until the seal, started while the execution runs. */
function tailFromStart(h: Harness, executionId: string): Promise<IndexedEvent[]> {
  return (async () => {
    const page = await h.client.getHandle(executionId).logs({ sinceIndex: 0, limit: 1 });
    expect(page.status).toBe('RUNNING');
    const url = new URL(page.websocketUrl ?? '');
    // Tail from the very start, so that every event of the log comes in a WebSocket frame.
    url.searchParams.set('last_index', '0');
    const socket = resumingSocket(`ws://127.0.0.1:${h.server.port}/ws`, executionId, 0, 300_000, (last) => {
      url.searchParams.set('last_index', String(last));
      return Promise.resolve(url.toString());
    });
    await socket.done;
    return socket.events;
  })();
}

// The job writes each line, then waits until the API has stored it before it writes the next: the runner has read
// every line before the next one exists, so the order read is the order written, on whatever machine.
const ORDERED_JOB = `
const [url, id] = process.argv.slice(1);
const lines = [['stdout', 'o1'], ['stderr', 'e1'], ['stderr', 'e2'], ['stdout', 'o2'], ['stderr', ''], ['stdout', 'o3'],
  ['stderr', '\\u241Bstderr looks marked'], ['stdout', '\\u241Bstderr is stdout']];
(async () => {
  for (let i = 0; i < lines.length; i++) {
    const [stream, text] = lines[i];
    process[stream].write(text + '\\n');
    for (;;) {
      const view = await (await fetch(url + '/executions/' + id)).json();
      if (view.last_index > i) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  for (let i = 1; i <= 300; i++) { process.stdout.write('out ' + i + '\\n'); process.stderr.write('err ' + i + '\\n'); }
})();
`;

describe('a managed job: stderr told from stdout, in the order read', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  test('/logs, the download, search and the WebSocket mark every stderr line "stderr", in the order read', async () => {
    const id = newExecutionId('stderr');
    await h.client.start({ command: [process.execPath, '-e', ORDERED_JOB, h.server.url, id], executionId: id });
    const tailed = tailFromStart(h, id);
    const view = await waitSealed(h.client, id, 120_000);
    expect(view.status).toBe('SUCCEEDED');
    const events = await allEvents(h, id);
    expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i + 1));
    expect(events.slice(0, 8).map((e) => [e.stream, e.message])).toEqual([
      ['stdout', 'o1'],
      ['stderr', 'e1'],
      ['stderr', 'e2'],
      ['stdout', 'o2'],
      ['stderr', ''],
      ['stdout', 'o3'],
      ['stderr', '\u241Bstderr looks marked'],
      ['stdout', '\u241Bstderr is stdout'],
    ]);
    // The burst: each pipe's lines in their own order, each marked with its pipe.
    const burst = events.slice(8);
    expect(burst).toHaveLength(600);
    expect(burst.filter((e) => e.stream === 'stdout').map((e) => e.message)).toEqual(
      Array.from({ length: 300 }, (_, i) => `out ${i + 1}`),
    );
    expect(burst.filter((e) => e.stream === 'stderr').map((e) => e.message)).toEqual(
      Array.from({ length: 300 }, (_, i) => `err ${i + 1}`),
    );
    expect(await downloaded(h, id)).toEqual(events);
    expect(await tailed).toEqual(events);
    const matches = [];
    for await (const match of h.client.getHandle(id).search('err 1')) matches.push(match);
    expect(matches.length).toBeGreaterThan(0);
    expect(matches.every((m) => m.stream === 'stderr')).toBe(true);
    // stream= keeps one stream's matches: every stderr line holding a "1", and no stdout one.
    const ones = [];
    for await (const match of h.client.getHandle(id).search('1', { stream: 'stderr' })) ones.push(match);
    expect(ones).toEqual(events.filter((e) => e.stream === 'stderr' && e.message.includes('1')));
    const txt = await (await fetch(`${h.server.url}/executions/${id}/logs.txt`)).text();
    expect(txt.split('\n').slice(0, 3)).toEqual(['o1', 'e1', 'e2']);
    const prefixed = await (await fetch(`${h.server.url}/executions/${id}/logs.txt?prefix=1`)).text();
    expect(prefixed.split('\n').slice(0, 3)).toEqual(['[stdout] o1', '[stderr] e1', '[stderr] e2']);
    const bad = await fetch(`${h.server.url}/executions/${id}/logs.txt?prefix=yes`);
    expect(bad.status).toBe(400);
  });
});

/** Two streams written at once with the AWS SDK, as an external job's processes would. */
async function writeConcurrently(h: Harness, streams: readonly string[], rounds: number, perRound: number) {
  const logs = new CloudWatchLogsClient({
    endpoint: h.config.awsEndpoint,
    region: h.config.awsRegion,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    await Promise.all(
      streams.map(async (stream) => {
        await logs.send(new CreateLogStreamCommand({ logGroupName: h.config.logGroup, logStreamName: stream }));
        for (let round = 0; round < rounds; round++) {
          const now = Date.now();
          await logs.send(
            new PutLogEventsCommand({
              logGroupName: h.config.logGroup,
              logStreamName: stream,
              logEvents: Array.from({ length: perRound }, (_, i) => ({
                timestamp: now,
                message: `${stream} line ${round * perRound + i + 1}`,
              })),
            }),
          );
        }
      }),
    );
  } finally {
    logs.destroy();
  }
}

function externalStreamsTest(harness: () => Harness): () => Promise<void> {
  return async () => {
    const h = harness();
    const id = newExecutionId('streams');
    const streams = [`external/${id}/web`, `external/${id}/worker`];
    await h.client.start({ logGroup: h.config.logGroup, logStreams: streams, executionId: id });
    const tailed = tailFromStart(h, id);
    const rounds = 5;
    const perRound = 200;
    await writeConcurrently(h, streams, rounds, perRound);
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
    const view = await waitSealed(h.client, id, 180_000);
    expect(view.sealed).toBe(true);
    const events = await allEvents(h, id);
    expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i + 1));
    expect(events).toHaveLength(streams.length * rounds * perRound);
    for (const stream of streams) {
      // Each line once, with its own stream, in its stream's order.
      expect(events.filter((e) => e.stream === stream).map((e) => e.message)).toEqual(
        Array.from({ length: rounds * perRound }, (_, i) => `${stream} line ${i + 1}`),
      );
    }
    expect(await downloaded(h, id)).toEqual(events);
    expect(await tailed).toEqual(events);
  };
}

describe('an external execution of two streams written at once', () => {
  describe('pushed (subscription, Kinesis, forwarder)', () => {
    let h: Harness | undefined;
    beforeAll(async () => {
      h = await startOwnStreamHarness(ownStreamEnv('streams'));
    });
    afterAll(async () => {
      if (h === undefined) return;
      await endForwarders(h);
      await h.stop();
    });
    test(
      'sealed, every line once with its own stream: /logs, the download and the WebSocket',
      externalStreamsTest(() => {
        if (h === undefined) throw new Error('the harness did not start');
        return h;
      }),
    );
  });

  describe('polled', () => {
    let h: Harness | undefined;
    beforeAll(async () => {
      h = await startHarness({ env: { LOGSTREAM_INGEST: 'poll' } });
    });
    afterAll(async () => {
      await h?.stop();
    });
    test(
      'sealed, every line once with its own stream: /logs, the download and the WebSocket',
      externalStreamsTest(() => {
        if (h === undefined) throw new Error('the harness did not start');
        return h;
      }),
    );
  });
});
