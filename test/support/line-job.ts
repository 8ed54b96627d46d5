// An external job writing numbered lines to CloudWatch until it is stopped; each line carries the time
// just before its PutLogEvents call, so a reader can measure PutLogEvents -> delivery latency.
import type { CloudWatchLogSource } from '../../src/adapters/cloudwatch/cloudwatch-log-source';

/** A job writing lines. */
export interface LineJob {
  /** Lines written so far (their PutLogEvents calls returned). */
  readonly written: number;
  /** Stops after the call under way; resolves with the number of lines written. */
  stop(): Promise<number>;
}

/** The line `n` (1-based) as the job writes it: `line <n> <sentAt>`. */
export function parseJobLine(message: string): { n: number; sentAt: number } {
  const [, n, sentAt] = message.split(' ');
  return { n: Number(n), sentAt: Number(sentAt) };
}

/** Creates `stream` and writes `linesPerTick` lines every `tickMs` until stopped. */
export async function startLineJob(
  source: CloudWatchLogSource,
  logGroup: string,
  stream: string,
  options: { linesPerTick: number; tickMs: number },
): Promise<LineJob> {
  await source.createStream(logGroup, stream);
  let written = 0;
  let stopped = false;
  const running = (async () => {
    const began = Date.now();
    for (let tick = 1; !stopped; tick++) {
      const sentAt = Date.now();
      const events = Array.from({ length: options.linesPerTick }, (_, i) => ({
        timestamp: sentAt,
        message: `line ${written + i + 1} ${sentAt}`,
      }));
      await source.putEvents(logGroup, stream, events);
      written += events.length;
      // Paced to a fixed schedule: the rate stays as asked whatever each call takes.
      const wait = began + tick * options.tickMs - Date.now();
      if (wait > 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    get written() {
      return written;
    },
    stop: async () => {
      stopped = true;
      await running;
      return written;
    },
  };
}
