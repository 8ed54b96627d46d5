import { Context } from '@temporalio/activity';
import { failureKind, isRetryableFailure, LogstreamError, type IngestMode, type LogLocation } from '../../src/domain';
import type { LogAudit, LogStore, PushRegistry } from '../../src/ports';
import { nonRetryableFailure } from './read-pacing';

/** How the worker is configured to ingest (config `ingest`, `kinesisStream`). */
export interface PushSettings {
  /** `auto` = push when the log group has logstream's subscription filter, else poll. */
  readonly mode: 'auto' | 'push' | 'poll';
  /** The Kinesis stream the subscription filter delivers to. */
  readonly streamName: string;
}

/** Input of `registerExecution`. */
export interface RegisterInput {
  readonly executionId: string;
  readonly location: LogLocation;
  /** Its streams are written by someone else (an external execution): they may hold lines before it is registered. */
  readonly external?: boolean;
}

/** What registration decided. */
export interface Registration {
  readonly ingest: IngestMode;
}

/** Dependencies of the registration. */
export interface RegisterDeps {
  readonly store: LogStore;
  readonly registry: PushRegistry;
  readonly audit: LogAudit;
  readonly push: PushSettings;
  readonly now: () => number;
}

/** A log stream of a push execution is routed to another execution: its events cannot reach this one by push. */
export class StreamRoutedElsewhereError extends LogstreamError {
  constructor(
    readonly executionId: string,
    readonly logStream: string,
    readonly routedTo: string,
  ) {
    super(
      'STREAM_ROUTED_ELSEWHERE',
      `log stream ${logStream} of execution ${executionId} is already routed to execution ${routedTo}`,
    );
  }
}

/**
 * Registers an execution and chooses, once, how its log is ingested. A record that already holds a mode
 * keeps it (a retried registration); one without a mode was written by an older version and is polled.
 * Otherwise: `push` when configured so, or `auto` and the log group has logstream's subscription filter;
 * else `poll`. A push execution's streams are routed to it before this returns, so a managed job's first
 * line already has its route. A stream routed to another execution (a reused external stream) makes the
 * execution poll instead: polling reads the stream whoever else reads it, so its log is complete anyway,
 * and the other execution keeps its route.
 */
export async function registerExecution(deps: RegisterDeps, input: RegisterInput): Promise<Registration> {
  const { executionId, location } = input;
  const existing = await deps.store.getExecution(executionId);
  let chosen: IngestMode = existing ? (existing.ingest ?? 'poll') : await chooseMode(deps, location);
  if (!existing && chosen === 'push' && input.external === true && (await writtenBefore(deps.audit, location))) {
    chosen = 'poll';
  }
  if (!existing && chosen === 'push') {
    const taken = await routedElsewhere(deps.registry, input);
    if (taken) {
      Context.current().log.warn('a log stream is routed to another execution: polling this one', {
        executionId,
        logStream: taken.logStream,
        routedTo: taken.executionId,
      });
      chosen = 'poll';
    }
  }
  const record = await deps.store.registerExecution({ executionId, location, startedAt: deps.now(), ingest: chosen });
  // A record written meanwhile by someone else (without a mode: an older writer) wins: it is polled.
  const ingest = record.ingest ?? 'poll';
  if (ingest === 'push') {
    for (const logStream of location.logStreams) {
      const route = await deps.registry.putRoute({ logGroup: location.logGroup, logStream, executionId });
      // Lost a race for the stream after the check above: the record says push, so this cannot be polled instead.
      if (route.executionId !== executionId) {
        throw nonRetryableFailure(new StreamRoutedElsewhereError(executionId, logStream, route.executionId));
      }
    }
  }
  return { ingest };
}

async function chooseMode(deps: RegisterDeps, location: LogLocation): Promise<IngestMode> {
  if (deps.push.mode !== 'auto') return deps.push.mode;
  try {
    return (await deps.audit.hasSubscription(location.logGroup)) ? 'push' : 'poll';
  } catch (error) {
    // Waited out by the activity's retries; a refusal (no permission to describe the filters) means poll.
    if (isRetryableFailure(failureKind(error))) throw error;
    Context.current().log.warn('cannot tell whether the log group is subscribed: polling', {
      logGroup: location.logGroup,
      error: String(error),
    });
    return 'poll';
  }
}

/**
 * True when a stream of an external execution holds lines already: the forwarder skipped them (no route yet), so
 * pushed, they would reach the log only through the seal's recovery, after the later lines. Polled, the log keeps
 * CloudWatch's order. A stream CloudWatch does not describe as written yet (it does so eventually) is pushed, and
 * any early line still comes in through the recovery.
 */
async function writtenBefore(audit: LogAudit, location: LogLocation): Promise<boolean> {
  try {
    const written = await audit.streamsWithEvents(location.logGroup, location.logStreams);
    if (written.length === 0) return false;
    Context.current().log.info('log streams hold lines from before the registration: polling, in their order', {
      logGroup: location.logGroup,
      logStreams: written,
    });
    return true;
  } catch (error) {
    // Waited out by the activity's retries; a refusal (no permission to describe the streams) means push.
    if (isRetryableFailure(failureKind(error))) throw error;
    Context.current().log.warn('cannot tell whether the log streams hold lines already: pushing', {
      logGroup: location.logGroup,
      error: String(error),
    });
    return false;
  }
}

async function routedElsewhere(
  registry: PushRegistry,
  { executionId, location }: RegisterInput,
): Promise<{ logStream: string; executionId: string } | undefined> {
  for (const logStream of location.logStreams) {
    const route = await registry.getRoute(location.logGroup, logStream);
    if (route && route.executionId !== executionId) return { logStream, executionId: route.executionId };
  }
  return undefined;
}
