import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * The package's version (package.json). Found by walking up from this module, since it runs both
 * from dist/ (as compiled) and from dist/bundle/ (as bin/cw.js loads it).
 */
export function version(): string {
  if (cached !== undefined) return cached;
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'codeweaver' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // no package.json here: keep climbing
    }
    if (dir.pathname === '/' || new URL('..', dir).href === dir.href) throw new Error("cw: cannot find codeweaver's package.json");
  }
}
