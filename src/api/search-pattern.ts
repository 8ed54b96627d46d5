import { RE2JS } from 're2js';
import { InvalidInputError } from '../domain';

/** Longest `q` of `/search`, in UTF-16 units. */
export const MAX_SEARCH_QUERY_CHARS = 1000;

/** What `/search` looks for: `q`, as plain text or (with `regex`) a regular expression, case-sensitive with `caseSensitive`. */
export interface SearchPatternOptions {
  readonly q: string;
  readonly regex: boolean;
  readonly caseSensitive: boolean;
}

/**
 * Compiles a `/search` pattern into a predicate on messages. Regular expressions run on RE2 (re2js): matching
 * takes time linear in the message, so no pattern can backtrack catastrophically; RE2 has no lookaround and no
 * backreferences, and a pattern using them is refused with a 400 that says so.
 */
export function compileSearchPattern(options: SearchPatternOptions): (message: string) => boolean {
  const { q, regex, caseSensitive } = options;
  if (q.length === 0) throw new InvalidInputError('q', 'q must not be empty');
  if (q.length > MAX_SEARCH_QUERY_CHARS) {
    throw new InvalidInputError('q', `q must be at most ${MAX_SEARCH_QUERY_CHARS} characters`);
  }
  if (regex) {
    let compiled: RE2JS;
    try {
      compiled = RE2JS.compile(q, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
    } catch (error) {
      throw new InvalidInputError(
        'q',
        `q is not a valid regular expression (RE2 syntax: no lookaround or backreferences): ${(error as Error).message}`,
      );
    }
    return (message) => compiled.test(message);
  }
  if (caseSensitive) return (message) => message.includes(q);
  // Plain text as an escaped literal: no backtracking is possible, and V8 folds case far faster than toLowerCase.
  const literal = new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'iu');
  return (message) => literal.test(message);
}
