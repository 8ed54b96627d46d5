/**
 * How a log line is stored as a CloudWatch Logs message. CloudWatch refuses an empty message (and
 * the whole PutLogEvents batch with it), but a job's blank lines are part of its output. So a line
 * is stored with one escape character, U+241B (SYMBOL FOR ESCAPE, `␛`), in front when it is empty
 * or already starts with that character; every other line is stored as it is. Reading removes one
 * leading escape character. Every string round-trips: `""` ↔ `"␛"`, `"␛"` ↔ `"␛␛"`, `"␛x"` ↔
 * `"␛␛x"`, `"  "` ↔ `"  "`. Anything that writes a stream (the command runner, a forwarder) encodes,
 * and anything that reads one (GetLogEvents, Kinesis subscription records) decodes.
 *
 * A managed job's stderr line is stored in the same log stream as its stdout, behind the marker `␛stderr `
 * (`STDERR_MARKER`), its text after it as it is: one stream keeps the order in which the runner read the two pipes
 * (two streams would leave the order between them to CloudWatch's ingestion and delivery), and stdout lines look in
 * CloudWatch as they always did. The plain encoding never makes a message that starts with `␛` and then anything but
 * `␛` (or nothing), so the marker cannot be confused with a stdout line, and logs stored before it read as stdout.
 */

/** The escape character put in front of a stored line that is empty or starts with it. */
export const MESSAGE_ESCAPE = '\u241B';

/** What a managed job's stderr line is stored behind. */
export const STDERR_MARKER = `${MESSAGE_ESCAPE}stderr `;

/** UTF-8 bytes encoding may add to a line (the escape character, or the stderr marker): byte limits leave this room. */
export const MESSAGE_ESCAPE_BYTES = 10;

/** The CloudWatch message that stores `line` (never empty); `stderr` marks a managed job's stderr line. */
export function encodeMessage(line: string, stderr = false): string {
  if (stderr) return STDERR_MARKER + line;
  return line.length === 0 || line.startsWith(MESSAGE_ESCAPE) ? MESSAGE_ESCAPE + line : line;
}

/** The line a CloudWatch message stores (the inverse of `encodeMessage`). */
export function decodeMessage(message: string): string {
  return decodeLine(message).message;
}

/** The line a CloudWatch message stores, with `stderr` only for a marked one (what a read event carries). */
export function storedLine(message: string): { readonly message: string; readonly stderr?: true } {
  const line = decodeLine(message);
  return line.stderr ? { message: line.message, stderr: true } : { message: line.message };
}

/** The line a CloudWatch message stores, and whether it was marked as stderr (the inverse of `encodeMessage`). */
export function decodeLine(message: string): { readonly message: string; readonly stderr: boolean } {
  if (message.startsWith(STDERR_MARKER)) return { message: message.slice(STDERR_MARKER.length), stderr: true };
  return { message: message.startsWith(MESSAGE_ESCAPE) ? message.slice(1) : message, stderr: false };
}
