/** Where the forwarder of one Kinesis shard stands. */
export type ForwarderState =
  /** Its workflow runs (or continued as new). */
  | 'running'
  /** It read its closed shard to the end and ended. */
  | 'completed'
  /** It ended without finishing (terminated, failed, timed out, cancelled). */
  | 'ended'
  /** No workflow of that id is known (never started, or past retention). */
  | 'missing';

/** The forwarder workflows, one per shard (Temporal in production). */
export interface ForwarderDirectory {
  /**
   * Makes sure the shard's forwarder runs: starts it unless one runs already (any number of callers start the same
   * one) or a forwarder of that shard has completed (a closed shard read to its end is never read again).
   */
  start(streamName: string, shardId: string): Promise<void>;
  /** Where the shard's forwarder stands. */
  state(streamName: string, shardId: string): Promise<ForwarderState>;
}
