// The package's main entry point: the worker plugin and the typed workflow client (Node side). Workflow code imports
// the helper from `logstream/workflow`; the HTTP client is `logstream/client`.
export { LogstreamPlugin, LogstreamPluginError, type LogstreamPluginOptions } from './logstream-plugin';
export {
  LoggedExecutionHandle,
  LogstreamWorkflowClient,
  type ListLoggedOptions,
  type LoggedExecutionDescription,
  type LogstreamWorkflowClientOptions,
} from './workflow-client';
export {
  ApiError,
  ExecutionExistsError,
  ExecutionNotFoundError,
  InvalidRequestError,
  LogNotSealedError,
} from '../client/errors';
export type { LoggedExecutionSpec } from '../../workflows/logged-execution';
export type { ExecutionTimings, ExecutionWorkflowResult } from '../../workflows/messages';
