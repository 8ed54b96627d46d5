import { SETTINGS } from '../config-schema';

/** ANSI SGR styles the CLI adds to what it prints (never to a file or to JSON). */
export const STYLE = {
  dim: ['\u001b[2m', '\u001b[22m'],
  match: ['\u001b[1;31m', '\u001b[22;39m'],
  green: ['\u001b[32m', '\u001b[39m'],
  red: ['\u001b[31m', '\u001b[39m'],
  yellow: ['\u001b[33m', '\u001b[39m'],
  cyan: ['\u001b[36m', '\u001b[39m'],
} as const;

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
