import { SETTINGS } from '../config-schema';

/** ANSI SGR styles the CLI adds to what it prints (never to a file or to JSON). */
export const STYLE = {
  dim: ['\u001b[2m', '\u001b[22m'],
  match: ['\u001b[1;31m', '\u001b[22;39m'],
  green: ['\u001b[32m', '\u001b[39m'],
  red: ['\u001b[31m', '\u001b[39m'],
  yellow: ['\u001b[33m', '\u001b[39m'],
  cyan: ['\u001b[36m', '\u001b[39m'],
  magenta: ['\u001b[35m', '\u001b[39m'],
  blue: ['\u001b[34m', '\u001b[39m'],
} as const;

/** The colours a stream's prefix takes, one per stream name (stderr always red). */
const STREAM_STYLES = ['cyan', 'green', 'yellow', 'magenta', 'blue'] as const;

/** The style of a stream's prefix: the same for a name on every run (a hash of it), red for `stderr`. */
export function streamStyle(stream: string): StyleName {
  if (stream === 'stderr') return 'red';
  let hash = 0;
  for (let i = 0; i < stream.length; i++) hash = (hash * 31 + stream.charCodeAt(i)) >>> 0;
  return STREAM_STYLES[hash % STREAM_STYLES.length] ?? 'cyan';
}

/** One of the styles. */
export type StyleName = keyof typeof STYLE;

/** `text` in `style`. */
export function paint(text: string, style: StyleName): string {
  const [open, close] = STYLE[style];
  return `${open}${text}${close}`;
}

/**
 * Whether to colour: `--color` / `--no-color` decide when given; otherwise colour only on a terminal
 * and only when NO_COLOR is unset or empty (https://no-color.org: a flag given wins over it).
 */
export function useColor(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTty: boolean): boolean {
  if (flag !== undefined) return flag;
  if (SETTINGS.NO_COLOR.read(env)) return false;
  return isTty;
}
