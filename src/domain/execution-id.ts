import { InvalidInputError } from './errors';

/** Longest execution id accepted (it is a workflow id, a DynamoDB key and part of a log stream name). */
export const MAX_EXECUTION_ID_LENGTH = 128;

// Letters, digits and a few separators; the first character is alphanumeric so `.`/`..` and
// path tricks such as `../x` can never be an id, and the id is safe inside a log stream name.
const EXECUTION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Returns `value` when it is a well-formed execution id, else throws `InvalidInputError`. */
export function parseExecutionId(value: unknown, field = 'execution_id'): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidInputError(field, `${field} must be a non-empty string`);
  }
  if (value.length > MAX_EXECUTION_ID_LENGTH) {
    throw new InvalidInputError(field, `${field} must be at most ${MAX_EXECUTION_ID_LENGTH} characters`);
  }
  if (!EXECUTION_ID.test(value)) {
    throw new InvalidInputError(
      field,
      `${field} may contain only letters, digits, '.', '_', ':' and '-', and must start with a letter or digit`,
    );
  }
  return value;
}
