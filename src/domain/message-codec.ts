/**
 * How a log line is stored as a CloudWatch Logs message. CloudWatch refuses an empty message (and
 * the whole PutLogEvents batch with it), but a job's blank lines are part of its output. So a line
 * is stored with one escape character, U+241B (SYMBOL FOR ESCAPE, `␛`), in front when it is empty
 * or already starts with that character; every other line is stored as it is. Reading removes one
 * leading escape character. Every string round-trips: `""` ↔ `"␛"`, `"␛"` ↔ `"␛␛"`, `"␛x"` ↔
 * `"␛␛x"`, `"  "` ↔ `"  "`. Anything that writes a stream (the command runner, a forwarder) encodes,
 * and anything that reads one (GetLogEvents, Kinesis subscription records) decodes.
 */

/** The escape character put in front of a stored line that is empty or starts with it. */
export const MESSAGE_ESCAPE = '\u241B';

/** UTF-8 bytes encoding may add to a line (the escape character): byte limits must leave this much room. */
export const MESSAGE_ESCAPE_BYTES = 3;

/** The CloudWatch message that stores `line` (never empty). */
export function encodeMessage(line: string): string {
  return line.length === 0 || line.startsWith(MESSAGE_ESCAPE) ? MESSAGE_ESCAPE + line : line;
}

/** The line a CloudWatch message stores (the inverse of `encodeMessage`). */
export function decodeMessage(message: string): string {
  return message.startsWith(MESSAGE_ESCAPE) ? message.slice(1) : message;
}
