import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A file tree described as { 'dir/file': content }; built in a fresh temp dir (dotfiles and all). */
export type TreeSpec = Record<string, string | Uint8Array>;

export function makeTree(spec: TreeSpec): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'cw-discovery-'));
  for (const [rel, content] of Object.entries(spec)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
