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

/**
 * A request refused for what it is rather than for a failure behind it (no key, a wrong media type or size, an unknown
 * path, a forbidden origin, a limit reached): its `code` is one of the wire's error codes (src/contract).
 */
export class RequestRefusedError extends LogstreamError {}

/** An input (request field, flag, message) is malformed. */
export class InvalidInputError extends LogstreamError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('INVALID_INPUT', message);
  }
}
