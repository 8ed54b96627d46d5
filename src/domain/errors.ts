/** Base of the domain's errors: a stable `code` that callers test instead of `instanceof`. */
export class LogstreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An input (request field, flag, message) is malformed. */
export class InvalidInputError extends LogstreamError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('INVALID_INPUT', message);
  }
}
