// The workflow client's failures are the HTTP client's classes (src/client/errors.ts): one class per failure, so a
// user importing `logstream` and `logstream/client` meets one `ExecutionNotFoundError`.
export {
  ApiError,
  ExecutionExistsError,
  ExecutionNotFoundError,
  InvalidRequestError,
  LogNotSealedError,
} from '../client/errors';
