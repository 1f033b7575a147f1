/** Paths in one line of human output. */

const C_ESCAPES: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/**
 * A path for one line of human output, quoted as git quotes it (core.quotePath=false): a name
 * with a control character, a quote or a backslash is shown in double quotes with C escapes
 * (`"two\nlines.js"`), so a newline in a file name can never break `path:line` output into two
 * lines, and a byte of a name that is not UTF-8 is shown in octal (`"caf\351.js"`). Every
 * other path is shown as it is. `--json` needs none of this.
 */
export function quotePath(p: string): string {
  if (!/[\x00-\x1f\x7f"\\\uf780-\uf7ff]/.test(p)) return p;
  return `"${p.replace(/[\x00-\x1f\x7f"\\\uf780-\uf7ff]/g, (c) => C_ESCAPES[c] ?? `\\${byteOf(c).toString(8).padStart(3, '0')}`)}"`;
}

/**
 * The byte a character of a path stands for: U+F780-U+F7FF are the bytes of a name that is not
 * UTF-8 (discovery/fs-names.ts), shown as git shows them (`caf\351.js`); a control character is itself.
 */
function byteOf(c: string): number {
  const cp = c.charCodeAt(0);
  return cp >= 0xf780 && cp <= 0xf7ff ? cp - 0xf700 : cp;
}
