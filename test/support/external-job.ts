// An external job as the integration tests drive it: lines written straight to CloudWatch through the
// stack's adapter, the execution registered with the API and completed by the test.
import { newExecutionId, waitFor, type Harness } from './harness';

/** Writes lines to a stream as an external job would (creating it), all stamped with the same millisecond. */
export async function writeLines(h: Harness, stream: string, messages: string[]): Promise<void> {
  await h.aws.source.createStream(h.config.logGroup, stream);
  const now = Date.now();
  await h.aws.source.putEvents(
    h.config.logGroup,
    stream,
    messages.map((message) => ({ timestamp: now, message })),
  );
}

/** Registers an external execution (it runs until completed), writes `lines`, and waits until they are stored. */
export async function runningExternal(h: Harness, prefix: string, lines: string[]): Promise<string> {
  const id = newExecutionId(prefix);
  const stream = `external/${id}`;
  await h.client.start({ logGroup: h.config.logGroup, logStream: stream, executionId: id });
  await writeLines(h, stream, lines);
  await waitFor(`${id} stored`, async () =>
    (await h.client.getHandle(id).describe()).lastIndex === lines.length ? true : undefined,
  );
  return id;
}

/** An external job writing numbered lines to its stream until stopped. */
export interface LineWriter {
  readonly executionId: string;
  /** Lines written so far (all of them once `stop()` resolved). */
  readonly written: () => number;
  stop(): Promise<void>;
}

/** The line a line writer writes as its `i`-th (its log index once stored). */
export function writerLine(executionId: string, i: number): string {
  return `${executionId} line ${i}`;
}

/** Starts writing `batch` numbered lines every `intervalMs` to `stream` of the harness's log group, as a busy job. */
export function startLineWriter(
  h: { readonly aws: Pick<Harness['aws'], 'source'>; readonly config: Pick<Harness['config'], 'logGroup'> },
  executionId: string,
  stream: string,
  pace: { readonly batch: number; readonly intervalMs: number },
): LineWriter {
  let written = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = Date.now();
      const events = Array.from({ length: pace.batch }, (_, i) => ({
        timestamp: now,
        message: writerLine(executionId, written + i + 1),
      }));
      await h.aws.source.putEvents(h.config.logGroup, stream, events);
      written += events.length;
      await new Promise((resolve) => setTimeout(resolve, pace.intervalMs));
    }
  })();
  return {
    executionId,
    written: () => written,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
