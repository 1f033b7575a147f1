// The benchmarks' corpus: this project's node_modules, copied under another name (node_modules
// itself is skipped by default). Without the grammar packages: their test corpora and generated
// parsers would swamp it, and the figures before native parsing (2026-12-02) had none of them.
import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/** Copies node_modules (but its grammar packages) to `dest`. */
export function copyNodeModules(dest) {
  const from = path.join(root, 'node_modules');
  for (const name of readdirSync(from)) {
    if (name.startsWith('tree-sitter') || name === '.bin') continue;
    cpSync(path.join(from, name), path.join(dest, name), { recursive: true, dereference: false });
  }
}
