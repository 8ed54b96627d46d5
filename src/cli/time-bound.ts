import { UsageError } from './errors';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

// Go's duration spelling as kubectl takes it (`90s`, `1h30m`), plus days and weeks as `aws logs tail` does.
const RELATIVE = /^(?:\d{1,9}(?:ms|s|m|h|d|w))+$/;
const RELATIVE_PART = /(\d{1,9})(ms|s|m|h|d|w)/g;
// ISO 8601: a date, optionally a time (minutes, seconds, fraction) and a zone; no zone means UTC.
const ABSOLUTE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Milliseconds of a relative duration such as `30s`, `10m`, `2h`, `1h30m`, `7d`. */
export function parseDuration(text: string): number | undefined {
  if (!RELATIVE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(RELATIVE_PART)) total += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
  return total;
}

/** Epoch milliseconds of an ISO 8601 date or date-time (UTC when it names no zone). */
export function parseInstant(text: string): number | undefined {
  const match = ABSOLUTE.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = match;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  // Date.UTC rolls 02-30 over into March: a date that does not exist is refused, not moved.
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    check.getUTCMinutes() !== Number(mi) ||
    check.getUTCSeconds() !== Number(s)
  ) {
    return undefined;
  }
  if (zone.toUpperCase() === 'Z') return local;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetH = Number(digits.slice(0, 2));
  const offsetM = Number(digits.slice(2));
  if (offsetH > 23 || offsetM > 59) return undefined;
  return local - sign * (offsetH * 60 + offsetM) * 60_000;
}

/**
 * A `--since`/`--until` value as epoch milliseconds: a duration back from `now` (`10m`, `2h`, `30s`)
 * or an ISO 8601 instant (`2026-11-27T15:00:00Z`, `2026-11-27`). Throws `UsageError` otherwise.
 */
export function parseTimeBound(text: string, now: number, flag: string): number {
  const trimmed = text.trim();
  const duration = parseDuration(trimmed);
  if (duration !== undefined) return now - duration;
  const instant = parseInstant(trimmed);
  if (instant !== undefined) return instant;
  throw new UsageError(
    `${flag} must be a duration back from now (like 30s, 10m, 2h, 1h30m, 7d) or an ISO 8601 time ` +
      `(like 2026-11-27T15:04:05Z or 2026-11-27); got "${text}"`,
  );
}
