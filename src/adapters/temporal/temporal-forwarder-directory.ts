import type { Client } from '@temporalio/client';
import { DependencyError } from '../../ports';
import type { ForwarderDirectory, ForwarderState } from '../../ports/forwarder-directory';
import {
  FORWARDER_WORKFLOW_TYPE,
  forwarderWorkflowId,
  type ShardForwarderInput,
} from '../../../workflows/forwarder-workflow';

/** Options of the Temporal forwarder directory. */
export interface TemporalForwarderDirectoryOptions {
  readonly client: Client;
  readonly taskQueue: string;
}

/**
 * The shard forwarders as Temporal workflows, id `logstream-forwarder:<stream>:<shard>`. A start uses the id's
 * conflict policy USE_EXISTING, so every worker may start the whole set and one forwarder per shard runs; the reuse
 * policy ALLOW_DUPLICATE_FAILED_ONLY restarts a forwarder that ended without finishing, never one that completed.
 */
export class TemporalForwarderDirectory implements ForwarderDirectory {
  constructor(private readonly options: TemporalForwarderDirectoryOptions) {}

  async start(streamName: string, shardId: string): Promise<void> {
    const input: ShardForwarderInput = { streamName, shardId };
    try {
      await this.options.client.workflow.start(FORWARDER_WORKFLOW_TYPE, {
        taskQueue: this.options.taskQueue,
        workflowId: forwarderWorkflowId(streamName, shardId),
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        staticSummary: `forwards Kinesis shard ${shardId} of ${streamName} into the log store`,
      });
    } catch (error) {
      // The forwarder of this shard completed: the shard was read to its end.
      if ((error as { name?: unknown }).name === 'WorkflowExecutionAlreadyStartedError') return;
      throw new DependencyError('temporal', 'StartWorkflowExecution', error);
    }
  }

  async state(streamName: string, shardId: string): Promise<ForwarderState> {
    try {
      const description = await this.options.client.workflow
        .getHandle(forwarderWorkflowId(streamName, shardId))
        .describe();
      switch (description.status.name) {
        case 'RUNNING':
        case 'CONTINUED_AS_NEW':
          return 'running';
        case 'COMPLETED':
          return 'completed';
        default:
          return 'ended';
      }
    } catch (error) {
      if ((error as { name?: unknown }).name === 'WorkflowNotFoundError') return 'missing';
      throw new DependencyError('temporal', 'DescribeWorkflowExecution', error);
    }
  }
}
