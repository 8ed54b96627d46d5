/// <reference lib="dom" />
import { api, type LogEvent, type LogsPage } from './api';

/**
 * Reads the lines a windowed view needs, a page of `/logs` at a time (aligned on `PAGE`, so neighbouring needs share
 * pages), each page once at a time however often it is asked for while it is read.
 */
export class Scrollback {
  /** Lines a read takes: a few screens. */
  static readonly PAGE = 1000;
  private readonly reading = new Set<number>();

  constructor(
    private readonly executionId: string,
    private readonly deliver: (events: LogEvent[]) => void,
  ) {}

  /** Reads the pages holding lines `from`..`to` that are not being read already. */
  read(from: number, to: number): void {
    const page = Scrollback.PAGE;
    for (let since = Math.floor((from - 1) / page) * page; since < to; since += page) {
      if (this.reading.has(since)) continue;
      this.reading.add(since);
      const path = `/executions/${encodeURIComponent(this.executionId)}/logs?since_index=${since}&limit=${page}`;
      void api<LogsPage>(path)
        .then((body) => this.deliver(body.events))
        // A failed read is asked for again when the view next needs those lines (a scroll, a new line).
        .catch(() => undefined)
        .finally(() => this.reading.delete(since));
    }
  }
}
