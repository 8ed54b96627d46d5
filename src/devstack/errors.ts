import { LogstreamError } from '../domain';

/** The local toolchain (.tools/) is not installed or incomplete. */
export class ToolchainMissingError extends LogstreamError {
  constructor(readonly missing: readonly string[]) {
    super('TOOLCHAIN_MISSING', `local toolchain incomplete (missing ${missing.join(', ')}): run npm run toolchain`);
  }
}

/** A port the local stack needs is already taken; `variable` is the setting that moves it. */
export class PortInUseError extends LogstreamError {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly variable: string,
    cause?: unknown,
  ) {
    super(
      'PORT_IN_USE',
      `port ${port} on ${host} is already in use: stop what uses it or set ${variable} to another port`,
      {
        cause,
      },
    );
  }
}

/** A local service did not become ready: it exited early, could not be spawned, or timed out. */
export class ServiceStartError extends LogstreamError {
  constructor(
    readonly service: string,
    readonly reason: string,
    readonly stderrTail: readonly string[],
    cause?: unknown,
  ) {
    const tail = stderrTail.length > 0 ? `\n--- last output of ${service} ---\n${stderrTail.join('\n')}` : '';
    super('SERVICE_START_FAILED', `${service} failed to start: ${reason}${tail}`, { cause });
  }
}

/** An executable the local stack was given cannot be run (missing, not executable, or lacking what it needs). */
export class ExecutableUnusableError extends LogstreamError {
  constructor(
    readonly option: string,
    readonly file: string,
    reason: string,
  ) {
    super('EXECUTABLE_UNUSABLE', `${option} '${file}' ${reason}`);
  }
}
