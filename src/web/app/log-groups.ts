/** What a line is to the folding of the log: a group's header, a group's end marker, or neither. */
export type GroupMarker =
  { readonly kind: 'start'; readonly title: string; readonly open: boolean } | { readonly kind: 'end' } | undefined;

const GITHUB_START = /^::group::(.*)$/;
const GITHUB_END = /^::endgroup::\s*$/;
// Buildkite: `--- title` starts a collapsed section, `+++ title` an expanded one; a section runs to the next header.
const BUILDKITE = /^(---|\+\+\+) (.*)$/;

/**
 * The group marker a line's text holds: GitHub Actions' `::group::title` (collapsed by default) and `::endgroup::`,
 * Buildkite's `--- title` (collapsed) and `+++ title` (open).
 */
export function groupMarker(text: string): GroupMarker {
  const github = GITHUB_START.exec(text);
  if (github) return { kind: 'start', title: github[1]?.trim() ?? '', open: false };
  if (GITHUB_END.test(text)) return { kind: 'end' };
  const buildkite = BUILDKITE.exec(text);
  if (buildkite) return { kind: 'start', title: buildkite[2]?.trim() ?? '', open: buildkite[1] === '+++' };
  return undefined;
}
