import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configJsonSchemaText } from './json-schema.js';

/**
 * Where a repository's configuration finds its JSON Schema: inside the tool's own directory,
 * written by the cw that runs there, so the reference works in any clone where cw ran and always
 * describes the installed version (a `./codeweaver.schema.json` copied from the example pointed
 * nowhere once the config moved to another repository).
 */
export const SCHEMA_FILE = '.codeweaver/codeweaver.schema.json';

/**
 * Writes the schema file under `root` when it is missing or differs from this version's; a
 * rename, so an editor never reads half a file. Returns whether it wrote.
 */
export function ensureSchemaFile(root: string): boolean {
  const target = path.join(root, SCHEMA_FILE);
  const text = configJsonSchemaText();
  if (existsSync(target) && readFileSync(target, 'utf8') === text) return false;
  mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, target);
  return true;
}
