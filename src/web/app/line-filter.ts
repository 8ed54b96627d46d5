/** A filter over plain line text: which lines match, and where (for highlighting). */
export interface LineMatcher {
  test(text: string): boolean;
  ranges(text: string): [number, number][];
}

/** Builds a matcher from what the user typed; a bad regular expression is an error to show, not a throw. */
export function buildMatcher(
  pattern: string,
  options: { regex: boolean; matchCase: boolean },
): { matcher: LineMatcher | null; error?: string } {
  if (pattern === '') return { matcher: null };
  const source = options.regex ? pattern : pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let re: RegExp;
  try {
    re = new RegExp(source, options.matchCase ? 'gu' : 'giu');
  } catch (error) {
    return { matcher: null, error: error instanceof Error ? error.message : String(error) };
  }
  return {
    matcher: {
      test: (text) => {
        re.lastIndex = 0;
        return re.test(text);
      },
      ranges: (text) => {
        const found: [number, number][] = [];
        re.lastIndex = 0;
        for (const match of text.matchAll(re)) {
          const start = match.index ?? 0;
          // An empty match (e.g. `^`) filters but highlights nothing.
          if (match[0].length > 0) found.push([start, start + match[0].length]);
        }
        return found;
      },
    },
  };
}
