/**
 * A search's path filter (`--under`, MCP `path`) as both stores read it: a repository-relative
 * directory or file in forward slashes, no `./`, no leading or trailing slash; null for the whole
 * tree. The session makes it canonical and confined to the root (discovery/repo-path.ts); this
 * is what a store does with whatever it is still given, the same in each.
 */
export function canonicalPrefix(prefix: string | undefined): string | null {
  if (prefix === undefined) return null;
  const dir = prefix.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+|\/+$/g, '');
  return dir === '' || dir === '.' ? null : dir;
}
