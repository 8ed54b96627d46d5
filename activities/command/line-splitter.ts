import { MAX_LINE_BYTES } from '../../src/domain';

/**
 * Most UTF-8 bytes of one line piece: 256 KiB less the 26 bytes AWS counts per event and the 3 bytes
 * of the escape character a stored message may need (see `encodeMessage`).
 */
export const MAX_MESSAGE_BYTES = MAX_LINE_BYTES;

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
      this.finishLine();
      start = newline + 1;
    }
    if (start < data.length) this.append(data.subarray(start));
  }

  /** Emits the last line when the stream ended without a newline. */
  end(): void {
    if (this.pendingBytes > 0) this.finishLine();
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    // One spare byte: a '\r' just before the newline must not become a piece of its own.
    while (this.pendingBytes > this.maxBytes + 1) {
      const all = this.take();
      const cut = utf8Boundary(all, this.maxBytes);
      this.emitText(all.subarray(0, cut));
      this.pending = [all.subarray(cut)];
      this.pendingBytes = all.length - cut;
    }
  }

  private finishLine(): void {
    let bytes = this.take();
    if (bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    while (bytes.length > this.maxBytes) {
      const cut = utf8Boundary(bytes, this.maxBytes);
      this.emitText(bytes.subarray(0, cut));
      bytes = bytes.subarray(cut);
    }
    this.emitText(bytes);
  }

  private take(): Buffer {
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return bytes;
  }

  private emitText(bytes: Buffer): void {
    const text = bytes.toString('utf8');
    // Each invalid byte decodes to U+FFFD (3 bytes): binary output can outgrow the bound once decoded.
    if (Buffer.byteLength(text, 'utf8') <= this.maxBytes) this.emit(text);
    else for (const piece of splitText(text, this.maxBytes)) this.emit(piece);
  }
}

/** Cuts text into pieces of at most `maxBytes` UTF-8 bytes, at code point boundaries. */
function splitText(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes && current.length > 0) {
      pieces.push(current);
      current = '';
      bytes = 0;
    }
    current += char;
    bytes += size;
  }
  if (current.length > 0) pieces.push(current);
  return pieces;
}

/** The largest offset ≤ `limit` that does not cut a UTF-8 sequence. */
function utf8Boundary(bytes: Buffer, limit: number): number {
  if (limit >= bytes.length) return bytes.length;
  let cut = limit;
  // Step back over continuation bytes (10xxxxxx) to the start of the character at `limit`.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80 && limit - cut < 4) cut--;
  return cut === 0 ? limit : cut;
}
