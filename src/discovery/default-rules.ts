import type { SkipReason } from './skip-reasons.js';

/**
 * What is left out of every index by name alone, before any file is opened.
 * Content-based checks (NUL bytes, long lines, generated headers) live in read.ts.
 */

/** Directory names never walked, at any depth: VCS metadata, dependencies, build output, caches. */
export const DEFAULT_EXCLUDED_DIRS: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', '.jj',
  '.codeweaver', // our own index
  'node_modules', 'bower_components', 'jspm_packages', 'vendor',
  'dist', 'build', 'out', 'target', '.next', '.nuxt', '.svelte-kit', '.output', '.turbo', '.parcel-cache',
  '.vercel', '.docusaurus', '.angular', '.expo',
  'coverage', '.nyc_output',
  '__pycache__', '.venv', 'venv', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.eggs',
  '.gradle', '.terraform', '.cache', '.dart_tool', '.stack-work', 'zig-cache', '.zig-cache', 'zig-out',
]);

const LOCKFILES: ReadonlySet<string> = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb', 'deno.lock',
  'cargo.lock', 'poetry.lock', 'pipfile.lock', 'pdm.lock', 'uv.lock', 'go.sum', 'go.work.sum',
  'composer.lock', 'gemfile.lock', 'mix.lock', 'pubspec.lock', 'podfile.lock', 'packages.lock.json',
  'flake.lock', 'gradle.lockfile', 'package.resolved', 'cartfile.resolved',
]);

const MINIFIED_NAME = /[.-]min\.(?:js|mjs|cjs|css)$/;

const GENERATED_NAME =
  /(?:\.pb\.(?:go|cc|h|swift|dart)|_pb2(?:_grpc)?\.pyi?|_pb\.(?:js|d\.ts)|_grpc_pb\.(?:js|d\.ts)|\.pb\.gw\.go|_generated\.go|\.generated\.[^./]+|\.g\.dart|\.freezed\.dart|\.designer\.cs|\.g\.cs|\.js\.map|\.css\.map|\.d\.ts\.map)$/;

const BINARY_EXTENSIONS: ReadonlySet<string> = new Set([
  // images
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'icns', 'webp', 'avif', 'tif', 'tiff', 'psd', 'heic',
  // media
  'mp3', 'mp4', 'm4a', 'wav', 'ogg', 'flac', 'avi', 'mov', 'mkv', 'webm',
  // fonts
  'ttf', 'otf', 'woff', 'woff2', 'eot',
  // archives
  'zip', 'gz', 'tgz', 'bz2', 'xz', 'zst', '7z', 'rar', 'tar', 'jar', 'war', 'ear', 'whl', 'nupkg', 'gem', 'crate',
  // compiled code and libraries
  'exe', 'dll', 'so', 'dylib', 'a', 'lib', 'o', 'obj', 'class', 'pyc', 'pyo', 'pyd', 'wasm', 'node', 'bin', 'dat',
  // documents and databases
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'sqlite', 'sqlite3', 'db', 'mdb',
  // models and data blobs
  'onnx', 'pt', 'pth', 'safetensors', 'npy', 'npz', 'pkl', 'parquet', 'avro', 'orc', 'h5', 'hdf5',
]);

/**
 * Files that hold secrets by their nature, by name: never opened while indexing.skip_secret_files
 * is on (the default). Templates of them (.env.example, …) hold no secret and are indexed; any
 * secret that is in one anyway is redacted like any other (secret-scan.ts).
 */
const SECRET_FILE_NAMES: ReadonlySet<string> = new Set([
  '.env', '.envrc', '.netrc', '_netrc', '.npmrc', '.pypirc', '.git-credentials', '.htpasswd', '.pgpass',
  'credentials', 'credentials.json', 'credentials.xml', 'client_secret.json', 'secrets.json', 'secrets.yml', 'secrets.yaml',
  'id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'terraform.tfstate', 'terraform.tfstate.backup', '.dockercfg',
]);
const SECRET_FILE_EXTENSIONS: ReadonlySet<string> = new Set(['pem', 'key', 'p12', 'pfx', 'jks', 'keystore', 'ppk', 'kdbx', 'tfstate', 'gpg', 'pgp']);
const ENV_TEMPLATE = /^\.env\.(?:example|sample|template|dist|defaults?)$/;

/** Whether a file's name says it holds secrets (`.env.local`, `id_ed25519`, `server.pem`, …). */
export function isSecretFileName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_FILE_NAMES.has(lower)) return true;
  if (lower.startsWith('.env.')) return !ENV_TEMPLATE.test(lower);
  const dot = lower.lastIndexOf('.');
  return dot > 0 && SECRET_FILE_EXTENSIONS.has(lower.slice(dot + 1));
}

/**
 * A name-only verdict for a regular file, or null when nothing about its name rules it out.
 * `skipGenerated` false (indexing.skip_generated) keeps generated names.
 */
export function skipByName(name: string, skipGenerated = true): SkipReason | null {
  // A git worktree's or submodule's `.git` is a file naming the real repository's path: VCS
  // metadata like the `.git` directory, and a local path no index should hold.
  if (name === '.git') return 'default_excluded_dir';
  const lower = name.toLowerCase();
  if (LOCKFILES.has(lower)) return 'lockfile';
  if (MINIFIED_NAME.test(lower)) return 'minified';
  if (skipGenerated && GENERATED_NAME.test(lower)) return 'generated';
  const dot = lower.lastIndexOf('.');
  if (dot > 0 && BINARY_EXTENSIONS.has(lower.slice(dot + 1))) return 'binary';
  return null;
}
