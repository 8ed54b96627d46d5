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
  await h.client.register(h.config.logGroup, stream, id);
  await writeLines(h, stream, lines);
  await waitFor(`${id} stored`, async () =>
    (await h.client.status(id)).last_index === lines.length ? true : undefined,
  );
  return id;
}
