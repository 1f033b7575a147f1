/** Paths in one line of human output. */

const C_ESCAPES: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/**
 * A path for one line of human output, quoted as git quotes it (core.quotePath=false): a name
 * with a control character, a quote or a backslash is shown in double quotes with C escapes
 * (`"two\nlines.js"`), so a newline in a file name can never break `path:line` output into two
 * lines. Every other path is shown as it is. `--json` needs none of this.
 */
export function quotePath(p: string): string {
  if (!/[\x00-\x1f\x7f"\\]/.test(p)) return p;
  return `"${p.replace(/[\x00-\x1f\x7f"\\]/g, (c) => C_ESCAPES[c] ?? `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`)}"`;
}
