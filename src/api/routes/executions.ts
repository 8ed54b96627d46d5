import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import {
  COMPLETE_FIELDS,
  DEFAULT_LIST_PAGE_SIZE,
  MAX_LIST_PAGE_SIZE,
  START_EXECUTION_FIELDS,
  type CompletionAcceptedView,
  type ExecutionListView,
  type ExecutionView,
  type StartedView,
  type StopAcceptedView,
} from '../../contract';
import {
  InvalidInputError,
  judgeCompleteness,
  managedLogStream,
  parseExecutionId,
  RequestRefusedError,
  TERMINAL_STATUSES,
  type ExecutionStatus,
  type LogLocation,
} from '../../domain';
import type { ExecutionDirectory, LogStore } from '../../ports';
import { iso, jsonBody, type ApiEnv } from '../http';
import type { LogQuery } from '../log-query';
import {
  parseCommand,
  parseCompletedAt,
  parseEventCount,
  parseExitCode,
  parseLimit,
  parseLogGroup,
  parseLogStream,
  parseLogStreams,
  parsePageToken,
  parseTerminalStatus,
  rejectUnknownFields,
} from '../validation';

/** What the execution routes need. */
export interface ExecutionRouteDeps {
  readonly directory: ExecutionDirectory;
  readonly store: LogStore;
  readonly query: LogQuery;
  readonly logger: Logger;
  readonly logGroup: string;
  /**
   * The configured ingest setting (config `ingest`): with `poll` the mode is known before registration, so the record
   * is written here already; otherwise the execution's registration chooses it (see the registerExecution activity).
   */
  readonly ingest?: 'auto' | 'push' | 'poll';
  readonly now: () => number;
}

/** `POST /executions`, `GET /executions`, `GET /executions/{id}`, `POST .../complete`, `POST .../stop`. */
export function executionRoutes(deps: ExecutionRouteDeps): Hono<ApiEnv> {
  const { query, now } = deps;
  const routes = new Hono<ApiEnv>();

  routes.post('/executions', async (c) => {
    const body = await jsonBody(c);
    rejectUnknownFields(body, START_EXECUTION_FIELDS);
    const executionId = body.execution_id === undefined ? randomUUID() : parseExecutionId(body.execution_id);
    let location: LogLocation;
    let command: string[] | undefined;
    if (body.command !== undefined) {
      if (body.log_group !== undefined || body.log_stream !== undefined || body.log_streams !== undefined) {
        throw new InvalidInputError('command', 'give either command, or log_group and log_stream(s), not both');
      }
      command = parseCommand(body.command);
      location = { logGroup: deps.logGroup, logStreams: [managedLogStream(executionId)] };
    } else if (body.log_group !== undefined || body.log_stream !== undefined || body.log_streams !== undefined) {
      if (body.log_stream !== undefined && body.log_streams !== undefined) {
        throw new InvalidInputError('log_streams', 'give either log_stream or log_streams, not both');
      }
      const logStreams =
        body.log_streams === undefined ? [parseLogStream(body.log_stream)] : parseLogStreams(body.log_streams);
      location = { logGroup: parseLogGroup(body.log_group), logStreams };
    } else {
      throw new InvalidInputError('command', 'give a command, or the log_group and log_stream of an external job');
    }
    // A sealed record outlives Temporal's retention: its id stays taken. An unsealed one may be
    // left by a start that failed half-way, and retrying that start must work.
    const existing = await deps.store.getExecution(executionId);
    if (existing?.seal) throw new RequestRefusedError('EXECUTION_EXISTS', `execution ${executionId} already exists`);
    // The record holds the ingest mode, chosen once: written here only when no choice is left to make. A record
    // without a mode would make the execution poll, and a first /logs would fill a push execution's log by polling.
    if (deps.ingest === 'poll')
      await deps.store.registerExecution({ executionId, location, startedAt: now(), ingest: 'poll' });
    await deps.directory.start({ executionId, location, command });
    deps.logger.info({ executionId, managed: command !== undefined }, 'execution started');
    const started: StartedView = {
      execution_id: executionId,
      status: 'RUNNING',
      logs_url: `/executions/${executionId}/logs`,
    };
    return c.json(started, 201);
  });

  routes.get('/executions', async (c) => {
    const statusParam = c.req.query('status');
    let status: ExecutionStatus | undefined;
    if (statusParam !== undefined) {
      if (statusParam !== 'RUNNING' && !(TERMINAL_STATUSES as readonly string[]).includes(statusParam)) {
        throw new InvalidInputError('status', 'status must be RUNNING, SUCCEEDED, FAILED or STOPPED');
      }
      status = statusParam as ExecutionStatus;
    }
    const pageSize = parseLimit(c.req.query('limit') ?? String(DEFAULT_LIST_PAGE_SIZE), MAX_LIST_PAGE_SIZE);
    const pageToken = parsePageToken(c.req.query('page_token'));
    const page = await deps.directory.list({ status, pageSize, pageToken });
    const listed: ExecutionListView = {
      executions: page.executions.map((e) => ({
        execution_id: e.executionId,
        status: e.status,
        started_at: iso(e.startedAt),
        completed_at: iso(e.completedAt),
      })),
      next_page_token: page.nextPageToken ?? null,
    };
    return c.json(listed);
  });

  routes.get('/executions/:id', async (c) => {
    const execution = await query.resolve(parseExecutionId(c.req.param('id')));
    const latest = await deps.store.latestChunk(execution.executionId).catch(() => undefined);
    const seal = execution.record?.seal;
    const verdict = judgeCompleteness({
      sealed: seal !== undefined,
      running: execution.status === 'RUNNING',
      open: execution.open,
    });
    const view: ExecutionView = {
      execution_id: execution.executionId,
      status: execution.status,
      started_at: iso(execution.startedAt),
      completed_at: iso(execution.completedAt),
      last_index: seal?.lastIndex ?? latest?.last ?? 0,
      sealed: seal !== undefined,
      seal_pending: verdict.sealPending,
      exit_code: seal?.exitCode ?? null,
      // Lines the job printed that CloudWatch would not hold (reported by the runner, kept in the seal).
      rejected_events: seal ? (seal.rejectedEvents ?? 0) : null,
      // What the seal's proof found: events stored from CloudWatch that delivery had missed, and events stored twice.
      recovered_events: seal ? (seal.recoveredEvents ?? 0) : null,
      duplicate_events: seal ? (seal.duplicateEvents ?? 0) : null,
      // Chosen at registration; null until then (and for executions registered before push ingest existed).
      ingest: execution.record?.ingest ?? null,
    };
    return c.json(view);
  });

  routes.post('/executions/:id/complete', async (c) => {
    const executionId = parseExecutionId(c.req.param('id'));
    const body = await jsonBody(c);
    rejectUnknownFields(body, COMPLETE_FIELDS);
    const completion = {
      status: parseTerminalStatus(body.status),
      completedAt: parseCompletedAt(body.completed_at, now()),
      ...(body.exit_code === undefined ? {} : { exitCode: parseExitCode(body.exit_code) }),
      // What the producer put into CloudWatch: with it, the seal's proof needs no CloudWatch read.
      ...(body.event_count === undefined ? {} : { eventCount: parseEventCount(body.event_count) }),
    };
    await deps.directory.complete(executionId, completion);
    const accepted: CompletionAcceptedView = {
      execution_id: executionId,
      status: completion.status,
      completed_at: iso(completion.completedAt),
    };
    return c.json(accepted, 202);
  });

  routes.post('/executions/:id/stop', async (c) => {
    const executionId = parseExecutionId(c.req.param('id'));
    await deps.directory.stop(executionId);
    const stopping: StopAcceptedView = { execution_id: executionId, status: 'STOPPED' };
    return c.json(stopping, 202);
  });

  return routes;
}
