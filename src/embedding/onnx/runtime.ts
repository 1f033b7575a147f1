/**
 * ONNX Runtime for the `onnx` provider, an opt-in install. onnxruntime-node carries every
 * platform's binaries (~250 MB unpacked, a 97 MB download), so it is not one of cw's dependencies
 * (a user who never runs a local model must not pay for it): `cw model install-runtime` installs
 * the exact version below, from the npm registry, with its install script off (it fetches GPU
 * extras from another host), into a directory of its own that outlives `npm ci` and serves every
 * clone: $CODEWEAVER_RUNTIME_DIR, default ~/.cache/codeweaver/runtime. cw loads it from there, or
 * from its own node_modules where a user installed it beside cw.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../errors.js';

export const ONNX_RUNTIME_PACKAGE = 'onnxruntime-node';
export const ONNX_RUNTIME_VERSION = '1.23.2';

/** The part of onnxruntime-node's API cw uses (its own typings come with the opt-in package). */
export interface OrtTensor {
  readonly data: Float32Array | BigInt64Array | Int32Array;
  readonly dims: readonly number[];
  dispose?(): void;
}
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtModule {
  Tensor: new (type: 'int64' | 'float32', data: BigInt64Array | Float32Array, dims: number[]) => OrtTensor;
  InferenceSession: {
    create(
      path: string,
      options: {
        intraOpNumThreads?: number;
        interOpNumThreads?: number;
        graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
        executionProviders?: string[];
        enableCpuMemArena?: boolean;
      },
    ): Promise<OrtSession>;
  };
}

/** Where `cw model install-runtime` puts the runtime. */
export function runtimeDir(env: NodeJS.ProcessEnv): string {
  const base = env.CODEWEAVER_RUNTIME_DIR?.trim() || path.join(env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache'), 'codeweaver', 'runtime');
  return path.join(path.resolve(base), `${ONNX_RUNTIME_PACKAGE}-${ONNX_RUNTIME_VERSION}`);
}

const INSTALL_HINT = `cw model install-runtime (installs ${ONNX_RUNTIME_PACKAGE}@${ONNX_RUNTIME_VERSION}, ~250 MB, from the npm registry)`;

let loaded: Promise<OrtModule> | undefined;

/** ONNX Runtime, from the runtime directory or cw's own node_modules; a usage error saying how to install it otherwise. */
export function loadOnnxRuntime(env: NodeJS.ProcessEnv): Promise<OrtModule> {
  loaded ??= (async () => {
    const dir = runtimeDir(env);
    const candidates = [path.join(dir, 'package.json'), new URL(import.meta.url).pathname];
    for (const from of candidates) {
      if (from.startsWith(dir) && !existsSync(path.join(dir, 'node_modules', ONNX_RUNTIME_PACKAGE))) continue;
      try {
        const mod = createRequire(from)(ONNX_RUNTIME_PACKAGE) as OrtModule;
        if (mod?.InferenceSession) return mod;
      } catch {
        // not there: the next place
      }
    }
    throw new UsageError(`the onnx provider needs ONNX Runtime, which is not installed — run ${INSTALL_HINT}`);
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

/**
 * Installs the runtime with npm into runtimeDir: the exact version, install scripts off, no
 * package-lock, nothing saved anywhere else. Resolves with the directory.
 */
export async function installOnnxRuntime(env: NodeJS.ProcessEnv, onOutput: (line: string) => void = () => {}): Promise<string> {
  const dir = runtimeDir(env);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `${ONNX_RUNTIME_PACKAGE}@${ONNX_RUNTIME_VERSION}`];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(npm, args, { env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    const relay = (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(onOutput);
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', (err) => reject(new UsageError(`could not run npm to install ${ONNX_RUNTIME_PACKAGE} (${err.message}) — install it with: npm install --prefix ${dir} --ignore-scripts ${ONNX_RUNTIME_PACKAGE}@${ONNX_RUNTIME_VERSION}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new UsageError(`npm could not install ${ONNX_RUNTIME_PACKAGE}@${ONNX_RUNTIME_VERSION} into ${dir} (exit ${code}) — see npm's lines above`))));
  });
  loaded = undefined;
  return dir;
}
