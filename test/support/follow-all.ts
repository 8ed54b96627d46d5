import type { ExecutionDescription, ExecutionHandle, FollowOptions } from '../../src/client/client';
import type { IndexedEvent } from '../../src/domain';

/** Follows `handle` to its seal, passing each event to `onEvent`; resolves with its description once sealed. */
export async function followAll(
  handle: ExecutionHandle,
  onEvent: (event: IndexedEvent) => void,
  options: FollowOptions = {},
): Promise<ExecutionDescription> {
  for await (const item of handle.follow(options)) {
    if (item.kind === 'event') onEvent(withoutKind(item));
  }
  return handle.describe();
}

function withoutKind({ kind: _kind, ...event }: IndexedEvent & { kind: 'event' }): IndexedEvent {
  return event;
}
