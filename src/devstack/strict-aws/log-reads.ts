import { clientFault, type AwsFault } from './aws-fault';
import { eventBytes } from './put-log-events';
import type { TokenCodec } from './read-tokens';
import type { StrictRules } from './rules';

/** An event of a GetLogEvents / FilterLogEvents answer, as far as the strict layer looks at it. */
interface OutputEvent {
  message?: string;
  ingestionTime?: number;
  logStreamName?: string;
  eventId?: string;
}

/** The token a read request came with, opened: the emulator's token it stands for. */
export interface GivenToken {
  token: string;
  inner: string | null;
}

/** moto's GetLogEvents tokens are `f/` or `b/` plus the index of an event (Python's `{index:056d}`). */
function motoIndex(token: string | undefined): number | undefined {
  const match = token === undefined ? null : /^[fb]\/(-?\d+)$/.exec(token);
  return match ? Number(match[1]) : undefined;
}

function motoToken(direction: 'f' | 'b', index: number): string {
  return `${direction}/${index < 0 ? `-${String(-index).padStart(55, '0')}` : String(index).padStart(56, '0')}`;
}

/** How many events of a page stay visible: those put at least `delayMs` ago, within the page caps. */
function visibleCount(
  events: readonly OutputEvent[],
  rules: StrictRules,
  now: number,
  delayMs = rules.ingestionDelayMs,
): { count: number; hidden: boolean } {
  let bytes = 0;
  for (const [index, event] of events.entries()) {
    if (delayMs > 0 && (event.ingestionTime ?? 0) > now - delayMs) {
      return { count: index, hidden: true };
    }
    bytes += eventBytes(event.message ?? '');
    if (bytes > rules.readPage.maxBytes || index + 1 > rules.readPage.maxEvents) return { count: index, hidden: false };
  }
  return { count: events.length, hidden: false };
}

/**
 * Rewrites the emulator's read answers into AWS's: opaque expiring tokens, pages capped at 1 MB / 10,000 events,
 * events hidden until the ingestion delay has passed, and (GetLogEvents) empty pages with a new token before the end.
 */
export class LogReadShaper {
  private pagesWithEvents = 0;
  private filterPagesWithEvents = 0;

  constructor(private readonly codec: TokenCodec) {}

  /** Starts counting pages afresh (with a rules reset). */
  resetPageCount(): void {
    this.pagesWithEvents = 0;
    this.filterPagesWithEvents = 0;
  }

  /** Opens the token of a read request (if any) for `scope`; an AwsFault when it is unknown or expired. */
  openToken(token: unknown, scope: string, rules: StrictRules, now: number): GivenToken | AwsFault | undefined {
    if (token === undefined || token === null) return undefined;
    const opened = typeof token === 'string' ? this.codec.open(token, scope, now, rules.tokenTtlMs) : 'invalid';
    if (opened === 'expired') return clientFault('InvalidParameterException', 'The specified nextToken has expired.');
    if (opened === 'invalid') return clientFault('InvalidParameterException', 'The specified nextToken is invalid.');
    return { token: token as string, inner: opened.inner };
  }

  /** Shapes a GetLogEvents answer `body` (parsed JSON) in place. */
  getLogEvents(
    body: { events?: OutputEvent[]; nextForwardToken?: string; nextBackwardToken?: string | null },
    given: GivenToken | undefined,
    scope: string,
    rules: StrictRules,
    now: number,
  ): void {
    const events = body.events ?? [];
    const visible = visibleCount(events, rules, now);
    let kept = visible.count;
    let emptyPage = false;
    if (kept > 0 && rules.emptyPageEvery > 0 && ++this.pagesWithEvents % rules.emptyPageEvery === 0) {
      kept = 0;
      emptyPage = true;
    }
    let forward = body.nextForwardToken;
    if (kept < events.length) {
      const last = motoIndex(forward);
      // Without moto's index format the cut cannot be expressed as a token: then the page is left whole.
      if (last === undefined) kept = events.length;
      else forward = motoToken('f', last - (events.length - kept));
    }
    body.events = events.slice(0, kept);
    const issue = (inner: string | undefined, prefix: string): string =>
      this.codec.issue({ inner: inner ?? null, scope, issuedAt: now }, prefix);
    // The end of what is visible: AWS gives back exactly the token it was given.
    const atEnd = kept === 0 && !emptyPage && given !== undefined && given.inner === forward;
    body.nextForwardToken = atEnd && given ? given.token : issue(forward, 'f/');
    if (typeof body.nextBackwardToken === 'string') body.nextBackwardToken = issue(body.nextBackwardToken, 'b/');
  }

  /** Shapes a FilterLogEvents answer `body` (parsed JSON) in place; `group` names the log group as moto's tokens do. */
  filterLogEvents(
    body: { events?: OutputEvent[]; nextToken?: string | null },
    given: GivenToken | undefined,
    group: string,
    scope: string,
    rules: StrictRules,
    now: number,
  ): void {
    const events = body.events ?? [];
    // FilterLogEvents searches an index of its own, which lags behind ingestion more than GetLogEvents does.
    let { count } = visibleCount(events, rules, now, Math.max(rules.ingestionDelayMs, rules.filterSearchLagMs));
    if (
      count > 0 &&
      rules.filterEmptyPageEvery > 0 &&
      ++this.filterPagesWithEvents % rules.filterEmptyPageEvery === 0
    ) {
      count = 0;
    }
    // moto answers `"nextToken": null` at the end; AWS leaves it out.
    let next = typeof body.nextToken === 'string' ? body.nextToken : null;
    let more = next !== null;
    if (count < events.length) {
      const lastKept = events[count - 1];
      // moto's FilterLogEvents token names the last event returned: group@stream@eventId.
      next = lastKept ? `${group}@${lastKept.logStreamName ?? ''}@${lastKept.eventId ?? ''}` : (given?.inner ?? null);
      more = true;
    }
    body.events = events.slice(0, count);
    if (more) body.nextToken = this.codec.issue({ inner: next, scope, issuedAt: now });
    else delete body.nextToken;
  }
}
