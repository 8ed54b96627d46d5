/**
 * CloudWatch event ids, packed small for storage. On AWS an id is a 56-digit decimal string, and the
 * events of one PutLogEvents call get consecutive ids; the emulator numbers events 1, 2, 3. Each id is
 * stored relative to the one before it: `null` for no id; a number `n` for the previous id plus `n`
 * (both decimal, 1 ≤ n < 2^53); otherwise the string `"p:rest"` for the previous id's first `p`
 * characters followed by `rest`. A run of consecutive ids costs about two bytes each.
 */
export type PackedId = number | string | null;

const DECIMAL = /^(?:0|[1-9]\d*)$/;

/** Packs ids (in order; undefined = an event without id). */
export function packIds(ids: readonly (string | undefined)[]): PackedId[] {
  let previous = '';
  return ids.map((id) => {
    if (id === undefined) return null;
    const packed = packOne(previous, id);
    previous = id;
    return packed;
  });
}

/** Inverse of `packIds`; throws a TypeError on anything `packIds` does not produce. */
export function unpackIds(packed: unknown): (string | undefined)[] {
  if (!Array.isArray(packed)) throw new TypeError('packed ids: expected an array');
  let previous = '';
  return packed.map((entry: unknown) => {
    if (entry === null) return undefined;
    const id = unpackOne(previous, entry);
    previous = id;
    return id;
  });
}

function packOne(previous: string, id: string): PackedId {
  if (DECIMAL.test(previous) && DECIMAL.test(id)) {
    const delta = BigInt(id) - BigInt(previous);
    if (delta >= 1n && delta <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(delta);
  }
  let shared = 0;
  const most = Math.min(previous.length, id.length);
  while (shared < most && previous.charCodeAt(shared) === id.charCodeAt(shared)) shared++;
  return `${shared}:${id.slice(shared)}`;
}

function unpackOne(previous: string, entry: unknown): string {
  if (typeof entry === 'number') {
    if (!Number.isSafeInteger(entry) || entry < 1 || !DECIMAL.test(previous))
      throw new TypeError('packed ids: bad delta');
    return (BigInt(previous) + BigInt(entry)).toString();
  }
  if (typeof entry !== 'string') throw new TypeError('packed ids: bad entry');
  const colon = entry.indexOf(':');
  const shared = Number(entry.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(shared) || shared > previous.length)
    throw new TypeError('packed ids: bad prefix');
  const id = previous.slice(0, shared) + entry.slice(colon + 1);
  if (id.length === 0) throw new TypeError('packed ids: empty id');
  return id;
}
