// In-memory LogStore and LogSource for unit tests: the contracts of src/ports, with the semantics of the
// DynamoDB and CloudWatch adapters, plus failure injection and call counting. No network, no SDK calls.
export { jitter, seededRandom } from './fake-failures';
export * from './fake-log-store';
export * from './fake-log-source';
export { fakeCloudWatchClient } from './fake-cloudwatch-client';
export { awsError, MAX_PUT_MESSAGE_BYTES } from './fake-put-rules';
export { InMemoryLogAudit } from './fake-log-audit';
import { InMemoryLogAudit } from './fake-log-audit';
import { InMemoryPushRegistry } from './fake-push-registry';
import { InMemoryShardSource } from './fake-shard-source';

/** The push-ingest dependencies of `createActivities` for tests of polled executions: fakes, mode `poll`. */
export function pollOnlyPushDeps(now: () => number = Date.now) {
  return {
    registry: new InMemoryPushRegistry({ now }),
    audit: new InMemoryLogAudit({ now }),
    shards: new InMemoryShardSource({ now }),
    push: { mode: 'poll' as const, streamName: 'logstream-log-events' },
  };
}
