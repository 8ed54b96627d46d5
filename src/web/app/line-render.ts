/// <reference lib="dom" />
import Anser from 'anser';

/** A log line as the viewer keeps it. */
export interface ViewLine {
  readonly index: number;
  readonly timestamp: number;
  readonly message: string;
  /** The stream the line came from (`stdout`, `stderr`, or an external job's log stream). */
  readonly stream?: string;
  /** The message without its ANSI sequences, computed on first use. */
  plain?: string;
}

type Chunk = { content: string; fg?: string; bg?: string; decorations: readonly string[] };

// Anser's standard palette assumes black; these keep 4.5:1 contrast on the viewer's dark background.
const READABLE: Readonly<Record<string, string>> = {
  '0, 0, 0': '#8b949e',
  '187, 0, 0': '#ff7b72',
  '0, 187, 0': '#56d364',
  '187, 187, 0': '#e3b341',
  '0, 0, 187': '#79c0ff',
  '187, 0, 187': '#d2a8ff',
  '0, 187, 187': '#56d4dd',
  '255,255,255': '#e6edf3',
  '85, 85, 85': '#9ea7b3',
  '255, 85, 85': '#ffa198',
  '0, 255, 0': '#7ee787',
  '255, 255, 85': '#f2cc60',
  '85, 85, 255': '#a5d6ff',
  '255, 85, 255': '#e2c5ff',
  '85, 255, 255': '#b3f0ff',
  '255, 255, 255': '#ffffff',
};

const hasAnsi = (message: string): boolean => message.includes('\u001b');

/** The text of a line as shown (what the filter searches). */
export function plainText(line: ViewLine): string {
  line.plain ??= hasAnsi(line.message) ? Anser.ansiToText(line.message) : line.message;
  return line.plain;
}

function chunks(message: string): Chunk[] {
  if (!hasAnsi(message)) return [{ content: message, decorations: [] }];
  return Anser.ansiToJson(message, { json: true, remove_empty: true }).map((entry) => ({
    content: entry.content,
    fg: entry.fg || undefined,
    bg: entry.bg || undefined,
    decorations: entry.decorations,
  }));
}

function colour(rgb: string): string {
  return READABLE[rgb] ?? `rgb(${rgb})`;
}

function styled(chunk: Chunk, text: string): Node {
  if (!chunk.fg && !chunk.bg && chunk.decorations.length === 0) return document.createTextNode(text);
  const span = document.createElement('span');
  span.textContent = text;
  // Styles through the CSSOM: allowed by the page's CSP, and no HTML is ever built from log text.
  if (chunk.fg) span.style.color = colour(chunk.fg);
  if (chunk.bg) span.style.backgroundColor = `rgb(${chunk.bg})`;
  for (const decoration of chunk.decorations) {
    if (decoration === 'bold') span.style.fontWeight = '700';
    else if (decoration === 'dim') span.style.opacity = '0.7';
    else if (decoration === 'italic') span.style.fontStyle = 'italic';
    else if (decoration === 'underline') span.style.textDecoration = 'underline';
    else if (decoration === 'strikethrough') span.style.textDecoration = 'line-through';
    else if (decoration === 'hidden') span.style.visibility = 'hidden';
  }
  return span;
}

/** A line's message as DOM nodes: ANSI colours as styles, `highlights` (plain-text ranges) in `<mark>`. */
export function renderMessage(message: string, highlights: readonly [number, number][] = []): DocumentFragment {
  const fragment = document.createDocumentFragment();
  let offset = 0;
  let h = 0;
  for (const chunk of chunks(message)) {
    const end = offset + chunk.content.length;
    let at = offset;
    while (at < end) {
      while (h < highlights.length && (highlights[h]?.[1] ?? 0) <= at) h++;
      const range = highlights[h];
      if (!range || range[0] >= end) {
        fragment.append(styled(chunk, chunk.content.slice(at - offset)));
        at = end;
      } else if (range[0] > at) {
        fragment.append(styled(chunk, chunk.content.slice(at - offset, range[0] - offset)));
        at = range[0];
      } else {
        const stop = Math.min(range[1], end);
        const mark = document.createElement('mark');
        mark.append(styled(chunk, chunk.content.slice(at - offset, stop - offset)));
        fragment.append(mark);
        at = stop;
      }
    }
    offset = end;
  }
  return fragment;
}
