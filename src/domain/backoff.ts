/**
 * The one exponential backoff of the project. Every retry loop (AWS calls, the forwarder, the tail's polls, the
 * HTTP client's resume loop, the browser's) asks a `Backoff` how long to wait, instead of writing its own formula.
 *
 * The n-th consecutive failure waits `baseMs * factor^(n-1)`, capped at `maxMs`. With jitter ('equal', the default)
 * half the step is fixed and half random, so that callers failing together do not come back together while each
 * still waits at least half the step.
 */
export interface BackoffOptions {
  /** The first failure's step, in ms. */
  readonly baseMs: number;
  /** The largest step, in ms. */
  readonly maxMs: number;
  /** Growth per failure (default 2). */
  readonly factor?: number;
  /** 'equal': half fixed, half random (default); 'none': the step itself. */
  readonly jitter?: 'equal' | 'none';
  /** A source of [0, 1) numbers (default Math.random), seeded in tests. */
  readonly random?: () => number;
}

/** The delay before retry number `failures` (1 for the first retry): a pure function of the options. */
export function backoffDelay(failures: number, options: BackoffOptions): number {
  if (failures <= 0) return 0;
  const factor = options.factor ?? 2;
  // The exponent is bounded so that a long outage cannot overflow to Infinity before the cap applies.
  const step = Math.min(options.maxMs, options.baseMs * factor ** Math.min(failures - 1, 32));
  if ((options.jitter ?? 'equal') === 'none') return Math.round(step);
  const random = options.random ?? Math.random;
  return Math.round(step / 2 + random() * (step / 2));
}

/** A run of consecutive failures: `next()` after a failure, `reset()` after a success. */
export class Backoff {
  private count = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Consecutive failures so far. */
  get failures(): number {
    return this.count;
  }

  /** Counts a failure and returns how long to wait before the next try (ms). */
  next(): number {
    this.count++;
    return backoffDelay(this.count, this.options);
  }

  /** A success: the next failure starts from the first step again. */
  reset(): void {
    this.count = 0;
  }
}
