/** Most UTF-8 bytes of one CloudWatch event's message (256 KiB less the 26 bytes AWS counts per event). */
export const MAX_MESSAGE_BYTES = 256 * 1024 - 26;

/**
 * Splits a byte stream into lines. Works on bytes so a multi-byte character cut between two reads
 * stays whole; invalid UTF-8 becomes U+FFFD instead of breaking its neighbours; a line longer than
 * one CloudWatch event is cut into several events at character boundaries, none of it lost.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  /** Feeds bytes; emits every complete line. */
  push(data: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = data.indexOf(0x0a, start);
      if (newline < 0) break;
      this.append(data.subarray(start, newline));
      this.emitPending(true);
      start = newline + 1;
    }
    if (start < data.length) this.append(data.subarray(start));
  }

  /** Emits the last line when the stream ended without a newline. */
  end(): void {
    if (this.pendingBytes > 0) this.emitPending(true);
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    while (this.pendingBytes > this.maxBytes) this.emitPending(false);
  }

  private emitPending(whole: boolean): void {
    let bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (!whole || bytes.length > this.maxBytes) {
      const cut = utf8Boundary(bytes, Math.min(this.maxBytes, bytes.length));
      const rest = bytes.subarray(cut);
      bytes = bytes.subarray(0, cut);
      if (rest.length > 0) {
        this.pending = [rest];
        this.pendingBytes = rest.length;
      }
    }
    let line = bytes.toString('utf8');
    if (whole && this.pendingBytes === 0 && line.endsWith('\r')) line = line.slice(0, -1);
    this.emit(line);
    if (whole && this.pendingBytes > 0) this.emitPending(true);
  }
}

/** The largest offset ≤ `limit` that does not cut a UTF-8 sequence. */
function utf8Boundary(bytes: Buffer, limit: number): number {
  if (limit >= bytes.length) return bytes.length;
  let cut = limit;
  // Step back over continuation bytes (10xxxxxx) to the start of the character at `limit`.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80 && limit - cut < 4) cut--;
  return cut === 0 ? limit : cut;
}
