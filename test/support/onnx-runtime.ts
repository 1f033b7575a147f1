/**
 * vitest's global setup for the onnx provider's tests: ONNX Runtime is an opt-in install (not one
 * of cw's dependencies; README, "A local model"), so the suite installs it the way a user does,
 * with `cw model install-runtime`, when it is not there yet: into the runtime directory
 * ($CODEWEAVER_RUNTIME_DIR, default ~/.cache/codeweaver/runtime), shared by every clone and kept
 * between runs; from the npm registry, through npm's cache (a second clone downloads nothing).
 * The tests then run the real runtime on a model made for them (test/fixtures/models).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export default async function setup(): Promise<void> {
  const { runtimeDir, ONNX_RUNTIME_PACKAGE } = await import('../../src/embedding/onnx/runtime.js');
  if (existsSync(path.join(runtimeDir(process.env), 'node_modules', ONNX_RUNTIME_PACKAGE, 'package.json'))) return;
  process.stderr.write('ONNX Runtime is not installed: installing it for the onnx tests (cw model install-runtime)\n');
  execFileSync(process.execPath, [path.join(ROOT, 'bin', 'cw.js'), 'model', 'install-runtime'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}
