import { Context } from '@temporalio/activity';
import type { PushedLogWriter } from '../../src/ports';
import type { PushDrainDeps, PushDrainInput, PushDrainProgress } from './push-drain';
import type { VerifiedEvent } from './stream-verifier';

/** A log of this many stored events or more is read alone: it fills its own pages, sharing would not save a call. */
const ALONE_FROM_EVENTS = 10_000;

/** How often a drain heartbeats while its read waits for the verifier (ms). */
const HEARTBEAT_WHILE_READING_MS = 5000;

/** What the drain's helpers share with its loop. */
export interface DrainLoop {
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly report: (change: Partial<PushDrainProgress>) => void;
  readonly heartbeat: () => void;
  readonly progress: () => PushDrainProgress;
}

/**
 * Reads every stream of the execution from its start (through the worker's `StreamVerifier`: calls shared with other
 * drains, paced by the account-wide read budget) and stores, marked recovered, the events whose ids the log lacks;
 * returns how many events the log holds twice.
 */
export async function verifyAgainstCloudWatch(
  deps: PushDrainDeps,
  input: PushDrainInput,
  writer: PushedLogWriter,
  loop: DrainLoop,
): Promise<{ readonly duplicates: number }> {
  const context = Context.current();
  const stored = await writer.storedIds();
  const missing = new Map<string, VerifiedEvent[]>();
  const collect = (logStream: string, events: readonly VerifiedEvent[]): void => {
    const list = missing.get(logStream) ?? [];
    for (const event of events) if (!stored.ids.has(event.eventId)) list.push(event);
    missing.set(logStream, list);
  };
  // Heartbeats go on until the recovered events are stored and counted: storing a large window takes time, and an
  // attempt that timed out meanwhile would leave its successor without the count (see `pushDrainAndSeal`).
  const timer = setInterval(loop.heartbeat, HEARTBEAT_WHILE_READING_MS);
  let recovered = 0;
  try {
    const calls = await deps.verifier.read(input.location.logGroup, input.location.logStreams, collect, {
      alone: stored.lastIndex >= ALONE_FROM_EVENTS,
    });
    loop.report({ checkCalls: loop.progress().checkCalls + calls });
    for (const logStream of input.location.logStreams) {
      const events = missing.get(logStream) ?? [];
      if (events.length === 0) continue;
      // Only those still missing are stored: the forwarder may have stored some meanwhile.
      const { appended, lastIndex } = await writer.appendMissing(logStream, events);
      recovered += appended;
      loop.report({ lastIndex, recovered: (loop.progress().recovered ?? 0) + appended });
    }
  } finally {
    clearInterval(timer);
  }
  const duplicates = (await writer.storedIds()).duplicates;
  if (recovered > 0 || duplicates > 0) {
    context.log.warn('push seal: CloudWatch held events the store lacked (recovered), or the store held some twice', {
      executionId: input.executionId,
      recovered,
      duplicates,
    });
  }
  return { duplicates };
}
