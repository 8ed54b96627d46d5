/** A command line the CLI cannot act on (a bad flag value or combination): exit code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The output file could not be written: nothing was left at its path. */
export class OutputFileError extends Error {
  readonly code = 'OUTPUT_FILE';

  constructor(
    readonly path: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'OutputFileError';
  }
}
