import type { LogEvent } from '../src/domain';

/** One PutLogEvents call (the CloudWatch source's `putEvents`). */
export type PutEvents = (logGroup: string, logStream: string, events: readonly LogEvent[]) => Promise<unknown>;

/** What the load generator writes: `linesPerSecond` lines of `lineBytes` to each stream, in `batchesPerSecond` calls. */
export interface LoadShape {
  readonly logGroup: string;
  readonly streams: readonly string[];
  readonly linesPerSecond: number;
  readonly batchesPerSecond: number;
  readonly lineBytes: number;
}

/**
 * External jobs writing to CloudWatch at a fixed rate each, as many as there are streams. Each line is
 * unique (stream tag and sequence number, padded to `lineBytes`), so a reader matches what it receives
 * by content, and the generator remembers when the PutLogEvents call that carried each line returned.
 */
export class LoadGenerator {
  private readonly written = new Map<string, string[]>();
  private readonly returned = new Map<string, number>();
  private readonly sequence = new Map<string, number>();
  private failedCalls = 0;

  constructor(
    private readonly put: PutEvents,
    private readonly shape: LoadShape,
  ) {
    for (const stream of shape.streams) this.written.set(stream, []);
  }

  /**
   * Writes for `seconds`, each stream on its own schedule (offset across the batch interval so the calls
   * spread evenly); a call that ends late is followed at once by the next one due, so the rate holds.
   */
  async run(seconds: number): Promise<void> {
    const intervalMs = 1000 / this.shape.batchesPerSecond;
    const perBatch = Math.max(1, Math.round(this.shape.linesPerSecond / this.shape.batchesPerSecond));
    const batches = Math.round(seconds * this.shape.batchesPerSecond);
    const began = Date.now();
    const count = this.shape.streams.length;
    await Promise.all(
      this.shape.streams.map(async (stream, position) => {
        const offset = (intervalMs * position) / count;
        for (let batch = 0; batch < batches; batch++) {
          await sleepUntil(began + offset + batch * intervalMs);
          await this.writeBatch(stream, position, perBatch);
        }
      }),
    );
  }

  /** The lines written to `stream`, in the order written. */
  lines(stream: string): readonly string[] {
    return this.written.get(stream) ?? [];
  }

  /** Epoch ms at which the PutLogEvents call carrying `message` returned (undefined if it failed or never ran). */
  returnedAt(message: string): number | undefined {
    return this.returned.get(message);
  }

  /** Lines in total whose PutLogEvents returned. */
  get linesWritten(): number {
    return this.returned.size;
  }

  /** PutLogEvents calls that failed after the SDK's retries (their lines may or may not be stored). */
  get failures(): number {
    return this.failedCalls;
  }

  private async writeBatch(stream: string, position: number, size: number): Promise<void> {
    const lines = this.written.get(stream) ?? [];
    // Numbered by attempt, not by success: a failed call's lines may be stored after all, and must stay distinct.
    const first = (this.sequence.get(stream) ?? 0) + 1;
    this.sequence.set(stream, first + size - 1);
    const now = Date.now();
    const messages = Array.from({ length: size }, (_, i) => line(position, first + i, this.shape.lineBytes));
    try {
      await this.put(
        this.shape.logGroup,
        stream,
        messages.map((message) => ({ timestamp: now, message })),
      );
    } catch {
      this.failedCalls++;
      return;
    }
    const returnedAt = Date.now();
    for (const message of messages) {
      lines.push(message);
      this.returned.set(message, returnedAt);
    }
  }
}

/** Line `seq` of stream number `position`: "s<position> <seq> " padded with dots to `bytes` (ASCII, so bytes = chars). */
function line(position: number, seq: number, bytes: number): string {
  const head = `s${position} ${seq} `;
  return head.padEnd(bytes, '.');
}

function sleepUntil(at: number): Promise<void> {
  const wait = at - Date.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}
