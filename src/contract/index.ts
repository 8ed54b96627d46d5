// The wire: what goes between the API and its clients. api, ws, client and web import it; it imports nothing.
export { CLOSE_CODES, type CloseCode } from './close-codes';
export { ERROR_CODES, isErrorCode, type ErrorBody, type ErrorCode, type ErrorCodeEntry } from './error-codes';
export type { ClientFrame, EventsFrame, ServerFrame, StatusFrame } from './frames';
export { TAIL_PATH, TAIL_QUERY_PARAMS } from './frames';
export type {
  CompleteRequest,
  CompletionAcceptedView,
  ExecutionListView,
  ExecutionSummary,
  ExecutionView,
  LogsView,
  RegisterExternalRequest,
  SearchView,
  StartCommandRequest,
  StartExecutionRequest,
  StartedView,
  StopAcceptedView,
  WireEvent,
  WireExecutionStatus,
  WireIngestMode,
  WireLogSource,
  WireTerminalStatus,
} from './rest';
export { COMPLETE_FIELDS, DEFAULT_LIST_PAGE_SIZE, MAX_LIST_PAGE_SIZE, START_EXECUTION_FIELDS } from './rest';
export { THROTTLED_RETRY_AFTER_SECONDS, toCloseFrame, toWireError, type WireError } from './wire-error';
