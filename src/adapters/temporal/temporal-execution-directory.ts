import { createHash } from 'node:crypto';
import {
  type Client,
  defaultPayloadConverter,
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionStatusName,
  WorkflowNotFoundError,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import type { google } from '@temporalio/proto';
import { temporal } from '@temporalio/proto';
import { InvalidInputError, type Completion, type ExecutionInfo, type ExecutionSpec } from '../../domain';
import {
  DependencyError,
  ExecutionCompletedError,
  ExecutionIdTakenError,
  UnknownExecutionError,
  type ExecutionDirectory,
  type ExecutionListFilter,
  type ExecutionListPage,
} from '../../ports';
import {
  COMPLETED_AT_KEY,
  completeSignal,
  EXECUTION_STATUS_KEY,
  EXECUTION_WORKFLOW_TYPE,
  registeredUpdate,
  type ExecutionTimings,
  type ExecutionWorkflowInput,
} from '../../../workflows/messages';
import { startExecutionWorkflow } from './execution-start';
import { executionStatusOf, statusQuery } from './execution-status';

/** gRPC's status code for an argument the server refuses (a page token it cannot read). */
const GRPC_INVALID_ARGUMENT = 3;

/** Bytes of the check behind visibility's token in a page token. */
const PAGE_TOKEN_CHECK_BYTES = 8;

/** The check of a page token's bytes (an integrity check, not a signature: it keeps garbage from reaching Temporal). */
function pageTokenCheck(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, PAGE_TOKEN_CHECK_BYTES);
}

/**
 * A listing's page token: Temporal visibility's own token and its check, base64url. Temporal answers a token it
 * cannot read with a retried UNKNOWN, not a refusal, so a token is checked here before it is sent.
 */
function sealPageToken(visibilityToken: Uint8Array): string {
  return Buffer.concat([visibilityToken, pageTokenCheck(visibilityToken)]).toString('base64url');
}

/** Visibility's token inside a page token; `InvalidInputError` when the token is not one `sealPageToken` made. */
function openPageToken(pageToken: string): Buffer {
  const bytes = Buffer.from(pageToken, 'base64url');
  const visibilityToken = bytes.subarray(0, bytes.length - PAGE_TOKEN_CHECK_BYTES);
  if (visibilityToken.length === 0 || !bytes.subarray(visibilityToken.length).equals(pageTokenCheck(visibilityToken))) {
    throw new InvalidInputError('page_token', INVALID_PAGE_TOKEN);
  }
  return visibilityToken;
}

const INVALID_PAGE_TOKEN = 'page_token is not a next_page_token this API gave: list again from the first page';

/** Options of the Temporal directory. */
export interface TemporalDirectoryOptions {
  readonly client: Client;
  readonly taskQueue: string;
  readonly timings: ExecutionTimings;
  /** Base URL of the API, for the links in each execution's details in the Temporal UI. */
  readonly apiUrl: string;
  /** How long `start` waits for an external execution's registration (ms; default 10 s; 0 = not at all). */
  readonly registrationWaitMs?: number;
}

/**
 * Executions as Temporal workflows (workflowId = execution id). Status comes from `describe()`
 * (workflow status and search attributes), so it answers with no worker running.
 */
export class TemporalExecutionDirectory implements ExecutionDirectory {
  constructor(private readonly options: TemporalDirectoryOptions) {}

  async start(spec: ExecutionSpec): Promise<void> {
    const input: ExecutionWorkflowInput = { ...spec, timings: this.options.timings };
    let handle;
    try {
      handle = await startExecutionWorkflow(this.options.client, input, {
        taskQueue: this.options.taskQueue,
        apiUrl: this.options.apiUrl,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ExecutionIdTakenError(spec.executionId);
      throw new DependencyError('temporal', 'StartWorkflowExecution', error);
    }
    // An external job starts writing once it is told the execution exists: in push mode its streams must be routed
    // by then, or the forwarder passes its first lines by (the seal's check would recover them, but not the live
    // tail). A managed command starts after the registration anyway. Bounded: without a worker, answer regardless.
    if (spec.command === undefined && (this.options.registrationWaitMs ?? 10_000) > 0) {
      await this.awaitRegistration(handle.executeUpdate(registeredUpdate));
    }
  }

  private async awaitRegistration(registration: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.registrationWaitMs ?? 10_000);
    });
    // A failed or late registration is the workflow's to retry; lines written meanwhile are recovered at the seal.
    await Promise.race([registration.catch(() => undefined), bound]);
    clearTimeout(timer);
  }

  async describe(executionId: string): Promise<ExecutionInfo | undefined> {
    try {
      const description = await this.options.client.workflow.getHandle(executionId).describe();
      if (description.type !== EXECUTION_WORKFLOW_TYPE) return undefined;
      return toInfo(description);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw new DependencyError('temporal', 'DescribeWorkflowExecution', error);
    }
  }

  async list(filter: ExecutionListFilter): Promise<ExecutionListPage> {
    const clauses = [`WorkflowType = '${EXECUTION_WORKFLOW_TYPE}'`];
    if (filter.status) clauses.push(statusQuery(filter.status));
    const nextPageToken = filter.pageToken === undefined ? undefined : openPageToken(filter.pageToken);
    let response;
    try {
      // Visibility's own page token, not the SDK's iterator: it is the only way to resume a listing in a later
      // request, and the visibility store applies the filter and its order before paging.
      response = await this.options.client.workflowService.listWorkflowExecutions({
        namespace: this.options.client.options.namespace,
        query: clauses.join(' AND '),
        pageSize: filter.pageSize,
        nextPageToken,
      });
    } catch (error) {
      if (filter.pageToken !== undefined && isGrpcServiceError(error) && error.code === GRPC_INVALID_ARGUMENT) {
        throw new InvalidInputError('page_token', INVALID_PAGE_TOKEN);
      }
      throw new DependencyError('temporal', 'ListWorkflowExecutions', error);
    }
    const token = response.nextPageToken;
    return {
      executions: response.executions.map(fromListed),
      nextPageToken: token && token.length > 0 ? sealPageToken(token) : undefined,
    };
  }

  async complete(executionId: string, completion: Completion): Promise<void> {
    const current = await this.describe(executionId);
    if (!current) throw new UnknownExecutionError(executionId);
    if (current.status !== 'RUNNING') throw new ExecutionCompletedError(executionId);
    try {
      await this.options.client.workflow.getHandle(executionId).signal(completeSignal, completion);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new ExecutionCompletedError(executionId);
      throw new DependencyError('temporal', 'SignalWorkflowExecution', error);
    }
  }

  async stop(executionId: string): Promise<void> {
    const current = await this.describe(executionId);
    if (!current) throw new UnknownExecutionError(executionId);
    if (current.status !== 'RUNNING') throw new ExecutionCompletedError(executionId);
    try {
      await this.options.client.workflow.getHandle(executionId).cancel();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new ExecutionCompletedError(executionId);
      throw new DependencyError('temporal', 'RequestCancelWorkflowExecution', error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.options.client.workflowService.getSystemInfo({});
    } catch (error) {
      throw new DependencyError('temporal', 'GetSystemInfo', error);
    }
  }
}

/** What an execution's status is made of, from a description or a listing. */
interface WorkflowFacts {
  readonly workflowId: string;
  readonly workflowStatus: WorkflowExecutionStatusName;
  /** The `LogstreamStatus` search attribute, if set. */
  readonly recorded: unknown;
  /** The `CompletedAt` search attribute, if set. */
  readonly completedAt?: Date;
  readonly startTime: Date;
  readonly closeTime?: Date;
  readonly memo?: Record<string, unknown>;
}

/** Maps a workflow description onto an execution's status. */
function toInfo(description: Omit<WorkflowExecutionInfo, 'raw'>): ExecutionInfo {
  const attributes = description.typedSearchAttributes;
  return fromFacts({
    workflowId: description.workflowId,
    workflowStatus: description.status.name,
    recorded: attributes.get(EXECUTION_STATUS_KEY),
    completedAt: attributes.get(COMPLETED_AT_KEY),
    startTime: description.startTime,
    closeTime: description.closeTime,
    memo: description.memo,
  });
}

const RAW_STATUS = temporal.api.enums.v1.WorkflowExecutionStatus;

/** The workflow status of a listing's raw entry, named as the SDK names it. */
function rawStatusName(
  code: temporal.api.enums.v1.WorkflowExecutionStatus | null | undefined,
): WorkflowExecutionStatusName {
  switch (code) {
    case RAW_STATUS.WORKFLOW_EXECUTION_STATUS_RUNNING:
      return 'RUNNING';
    case RAW_STATUS.WORKFLOW_EXECUTION_STATUS_COMPLETED:
      return 'COMPLETED';
    case RAW_STATUS.WORKFLOW_EXECUTION_STATUS_FAILED:
      return 'FAILED';
    case RAW_STATUS.WORKFLOW_EXECUTION_STATUS_CANCELED:
      return 'CANCELLED';
    case RAW_STATUS.WORKFLOW_EXECUTION_STATUS_TERMINATED:
      return 'TERMINATED';
    case RAW_STATUS.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
      return 'CONTINUED_AS_NEW';
    case RAW_STATUS.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
      return 'TIMED_OUT';
    default:
      return 'UNKNOWN';
  }
}

/** A protobuf timestamp as a Date (undefined when absent). */
function timestampDate(timestamp: google.protobuf.ITimestamp | null | undefined): Date | undefined {
  if (!timestamp) return undefined;
  const seconds = typeof timestamp.seconds === 'number' ? timestamp.seconds : (timestamp.seconds?.toNumber() ?? 0);
  return new Date(seconds * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000));
}

/** A search attribute of a raw listing entry (both are JSON payloads, which no codec touches). */
function rawAttribute(raw: temporal.api.workflow.v1.IWorkflowExecutionInfo, name: string): unknown {
  const payload = raw.searchAttributes?.indexedFields?.[name];
  return payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
}

/** Maps an entry of a raw listing onto an execution's status (its memo is not read: a listing needs no location). */
function fromListed(raw: temporal.api.workflow.v1.IWorkflowExecutionInfo): ExecutionInfo {
  const completedAt = rawAttribute(raw, COMPLETED_AT_KEY.name);
  return fromFacts({
    workflowId: raw.execution?.workflowId ?? '',
    workflowStatus: rawStatusName(raw.status),
    recorded: rawAttribute(raw, EXECUTION_STATUS_KEY.name),
    completedAt: typeof completedAt === 'string' ? new Date(completedAt) : undefined,
    startTime: timestampDate(raw.startTime) ?? new Date(0),
    closeTime: timestampDate(raw.closeTime),
  });
}

/** An execution's status: the recorded one once terminal, else the workflow's own. */
function fromFacts(facts: WorkflowFacts): ExecutionInfo {
  const { recorded } = facts;
  const status = executionStatusOf(recorded, facts.workflowStatus);
  const closedAt = facts.closeTime?.getTime();
  const memo = facts.memo ?? {};
  const streams = memo.log_streams;
  const location =
    typeof memo.log_group === 'string' && Array.isArray(streams) && streams.every((s) => typeof s === 'string')
      ? { logGroup: memo.log_group, logStreams: streams as string[] }
      : undefined;
  return {
    executionId: facts.workflowId,
    status,
    startedAt: facts.startTime.getTime(),
    completedAt: facts.completedAt?.getTime() ?? (status === 'RUNNING' ? undefined : closedAt),
    open: facts.workflowStatus === 'RUNNING',
    location,
  };
}
