/**
 * An async read shared by everyone asking for the same key within `ttlMs`: concurrent callers share one call,
 * and an answer is reused for `ttlMs` after it came (a failure is not kept). The push drains of a worker's many
 * executions all watch the same shards' progress; together they then cost a few reads a second, not a few each.
 */
export function sharedReads<T>(
  read: (key: string) => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): (key: string) => Promise<T> {
  const held = new Map<string, { readonly at: number; readonly answer: Promise<T> }>();
  return (key) => {
    const entry = held.get(key);
    if (entry && now() - entry.at < ttlMs) return entry.answer;
    const answer = read(key);
    const fresh = { at: now(), answer };
    held.set(key, fresh);
    answer.then(
      // Counted from the answer, not the call: a slow read is not reused for less than `ttlMs`.
      () => {
        if (held.get(key) === fresh) held.set(key, { at: now(), answer });
      },
      () => {
        if (held.get(key) === fresh) held.delete(key);
      },
    );
    return answer;
  };
}
