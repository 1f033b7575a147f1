import { createRequire } from 'node:module';

/** The package's version (package.json). */
export function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}
