import type { ExecutionRecord, LogLocation, StreamRoute } from '../../src/domain';
import type { ChunkBatchReader, LogStore, LogStreamRef, PushRegistry } from '../../src/ports';

/** The execution a pushed log stream's events are stored for. */
export interface RouteTarget {
  readonly executionId: string;
  /** Where the execution's log lives (its record's location; the routed stream alone before the record exists). */
  readonly location: LogLocation;
}

/** Options of the route cache. */
export interface RouteCacheOptions {
  readonly registry: Pick<PushRegistry, 'getRoute' | 'getRoutes'>;
  readonly store: Pick<LogStore, 'getExecution'> & Pick<ChunkBatchReader, 'recordsOf'>;
  /** Clock (epoch ms). */
  readonly now: () => number;
  /** How long a stream found without a route stays unrouted before it is looked up again (ms). */
  readonly missTtlMs?: number;
  /** Most streams (and executions) remembered; the oldest are forgotten first. */
  readonly maxEntries?: number;
}

interface RouteEntry {
  readonly lookup: Promise<StreamRoute | undefined>;
  readonly at: number;
  /** The lookup found a route: kept for good (a miss is looked up again after the miss TTL). */
  found: boolean;
}

interface ExecutionEntry {
  readonly lookup: Promise<{ readonly location?: LogLocation; readonly polled: boolean }>;
  sealed: boolean;
}

/**
 * Which execution a log stream's pushed events belong to, remembered in memory so a busy shard costs a DynamoDB read
 * per stream, not per record. A route never changes once written, so found routes are kept; a stream without one is
 * looked up again after `missTtlMs` (its execution may register just after its first lines). Executions the forwarder
 * must leave alone are remembered too: sealed ones (nothing can be appended) and polled ones (their own ingest
 * activity stores their log: two writers of different kinds would store events twice). Failed lookups are not
 * remembered, so the caller's retry asks again.
 */
export class RouteCache {
  private readonly routes = new Map<string, RouteEntry>();
  private readonly executions = new Map<string, ExecutionEntry>();
  private readonly missTtlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: RouteCacheOptions) {
    this.missTtlMs = options.missTtlMs ?? 1000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The execution to store the stream's events for, or undefined when they are not logstream's to store. */
  async resolve(logGroup: string, logStream: string): Promise<RouteTarget | undefined> {
    const route = await this.route(logGroup, logStream);
    if (route === undefined) return undefined;
    const entry = this.execution(route.executionId);
    const record = await entry.lookup;
    if (entry.sealed || record.polled) return undefined;
    const location = record.location ?? { logGroup: route.logGroup, logStreams: [route.logStream] };
    // A route naming a stream its execution's record does not hold is not that execution's log.
    if (location.logGroup !== logGroup || !location.logStreams.includes(logStream)) return undefined;
    return { executionId: route.executionId, location };
  }

  /**
   * The targets of several streams (see `resolve`), in the order given. What the cache does not know is read in
   * batches, the routes first, then their executions' records: the first records of N new executions cost a few batch
   * reads, not 2 N single reads, so that a wave of executions starting together is not kept waiting by its lookups.
   */
  async resolveAll(streams: readonly LogStreamRef[]): Promise<(RouteTarget | undefined)[]> {
    const now = this.options.now();
    const unknown = streams.filter((stream) => !this.knowsRoute(this.routeKey(stream), now));
    if (unknown.length > 0) {
      const batch = this.options.registry.getRoutes(unknown);
      unknown.forEach((stream, i) =>
        this.track(
          this.routeKey(stream),
          now,
          batch.then((routes) => routes[i]),
        ),
      );
      // A failed batch is the caller's to retry (the entries are gone by then: see `track`).
      const routes = await batch;
      const executions = [...new Set(routes.flatMap((route) => (route ? [route.executionId] : [])))];
      const unseen = executions.filter((executionId) => !this.executions.has(executionId));
      if (unseen.length > 0) {
        const records = this.options.store.recordsOf(unseen);
        unseen.forEach((executionId, i) =>
          this.execution(executionId, () =>
            records.then(
              // A record a batch read did not bring (not written yet, or left unprocessed) is read on its own.
              (found) => found[i] ?? this.options.store.getExecution(executionId),
            ),
          ),
        );
      }
    }
    return Promise.all(streams.map((stream) => this.resolve(stream.logGroup, stream.logStream)));
  }

  /** Remembers that the execution's log is sealed: its events are skipped from now on. */
  markSealed(executionId: string): void {
    const entry = this.executions.get(executionId);
    if (entry) entry.sealed = true;
    else this.remember(this.executions, executionId, { lookup: Promise.resolve({ polled: false }), sealed: true });
  }

  private routeKey(stream: LogStreamRef): string {
    // A NUL cannot occur in a log group or stream name, so the key is unambiguous.
    return `${stream.logGroup}\u0000${stream.logStream}`;
  }

  private knowsRoute(key: string, now: number): boolean {
    const cached = this.routes.get(key);
    return cached !== undefined && (cached.found || cached.at > now - this.missTtlMs);
  }

  private route(logGroup: string, logStream: string): Promise<StreamRoute | undefined> {
    const key = this.routeKey({ logGroup, logStream });
    const now = this.options.now();
    const cached = this.routes.get(key);
    if (cached && this.knowsRoute(key, now)) return cached.lookup;
    return this.track(key, now, this.options.registry.getRoute(logGroup, logStream));
  }

  /** Remembers a route lookup under `key`: found for good, a miss for the miss TTL, a failure not at all. */
  private track(key: string, now: number, lookup: Promise<StreamRoute | undefined>): Promise<StreamRoute | undefined> {
    const entry: RouteEntry = { lookup, at: now, found: false };
    this.remember(this.routes, key, entry);
    lookup.then(
      (route) => {
        entry.found = route !== undefined;
      },
      () => {
        if (this.routes.get(key) === entry) this.routes.delete(key);
      },
    );
    return lookup;
  }

  private execution(
    executionId: string,
    read: () => Promise<ExecutionRecord | undefined> = () => this.options.store.getExecution(executionId),
  ): ExecutionEntry {
    const cached = this.executions.get(executionId);
    if (cached) return cached;
    const entry: ExecutionEntry = {
      lookup: read().then((record) => {
        if (record?.seal !== undefined) entry.sealed = true;
        // Routed before its record was written (registration is under way): read it again next time.
        if (record === undefined && this.executions.get(executionId) === entry) this.executions.delete(executionId);
        return { ...(record ? { location: record.location } : {}), polled: record?.ingest === 'poll' };
      }),
      sealed: false,
    };
    this.remember(this.executions, executionId, entry);
    entry.lookup.catch(() => {
      if (this.executions.get(executionId) === entry) this.executions.delete(executionId);
    });
    return entry;
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    // Maps iterate in insertion order: the first key is the one remembered longest ago.
    while (map.size > this.maxEntries) {
      const oldest = map.keys().next();
      if (oldest.done) break;
      map.delete(oldest.value);
    }
  }
}
