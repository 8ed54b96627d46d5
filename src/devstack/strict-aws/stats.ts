/** Counters of one operation ("logs:GetLogEvents"). */
export interface OperationStats {
  /** Calls received. */
  calls: number;
  /** Refused for a read quota or an injected throttle. */
  throttled: number;
  /** Refused by the service model or a documented rule (a 4xx the emulator never saw). */
  rejected: number;
  /** Refused by an injected outage or throttle. */
  faulted: number;
  /** Milliseconds spent waiting for the emulator's answers, in all. */
  upstreamMs: number;
}

/** Per-operation counters of the strict layer, read through the control API. */
export class StrictStats {
  private operations = new Map<string, OperationStats>();

  /** The counters of `service:operation`, created at zero. */
  of(service: string, operation: string): OperationStats {
    const key = `${service}:${operation}`;
    let stats = this.operations.get(key);
    if (stats === undefined) {
      stats = { calls: 0, throttled: 0, rejected: 0, faulted: 0, upstreamMs: 0 };
      this.operations.set(key, stats);
    }
    return stats;
  }

  reset(): void {
    this.operations = new Map();
  }

  toJSON(): { operations: Record<string, OperationStats> } {
    return { operations: Object.fromEntries(this.operations) };
  }
}
