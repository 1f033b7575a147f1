// Bundles the compiled CLI (dist/, from tsc) into dist/bundle/, which bin/cw.js loads.
//
// Why: Node 20's ESM loader pays per module. An unbundled `cw search` read 221 files (99 of
// them zod's) and spent more time resolving, reading and compiling modules than searching.
// One file per entry point, with code that only some commands need split into chunks that load
// when first imported, keeps the modules a command loads to the few it runs.
//
// What stays outside: native addons and packages that find files next to themselves
// (better-sqlite3, web-tree-sitter, tree-sitter-wasms, @parcel/watcher), and the packages the
// code already imports lazily, only on the paths that use them (the providers' SDKs, the Qdrant
// client, the MCP SDK, undici, ora). Bundling those would gain nothing and risk their file lookups.
// The native tree-sitter binding and grammar packages are loaded with a created require
// (src/chunking/native-parser.ts), which esbuild leaves alone.
import { build } from 'esbuild';
import { rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;

const external = [
  'better-sqlite3',
  'sqlite-vec', // finds its prebuilt extension beside itself (import.meta.resolve)
  'web-tree-sitter',
  'tree-sitter-wasms',
  '@parcel/watcher',
  'voyageai',
  'cohere-ai',
  '@qdrant/js-client-rest',
  '@modelcontextprotocol/sdk',
  'undici',
  'ora',
  // cosmiconfig's loaders for TypeScript configuration files: optional, loaded only for a
  // codeweaver.config.ts, and not a dependency of ours (bundling typescript added 9.9 MB).
  'typescript',
  'jiti',
];

/**
 * zod's classic API re-exports every locale (`z.locales`), ~400 KB of messages in 40 languages
 * that cw never shows: its messages are English (`z.config(en())` inside zod). The namespace
 * keeps only `en`, which is what zod itself imports.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';\n",
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: true, // error classes are named in messages and tests (err.name)
  sourcemap: 'linked',
  external,
  plugins: [zodEnglishOnly],
  // Bundled CommonJS (commander, cosmiconfig) calls require() for Node's built-ins.
  banner: { js: "import { createRequire as __cwCreateRequire } from 'node:module'; const require = __cwCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: Boolean(process.env.CW_BUNDLE_META),
};

await rm(outdir, { recursive: true, force: true });
// The CLI: one entry, so everything it imports statically is in main.js itself; what it imports
// lazily (a store kind, a provider, the watcher, MCP) becomes a chunk loaded on first use.
// (Three entries sharing chunks made main.js import 13 small ones at every start.)
const cli = await build({
  ...common,
  entryPoints: { main: 'dist/cli/main.js' },
  outdir,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  splitting: true,
});
// The chunker's worker thread, loaded by path (new URL('./chunk-worker.js', import.meta.url)
// from the chunk that holds worker-chunker, which sits in the same directory): self-contained.
const worker = await build({ ...common, entryPoints: ['dist/chunking/chunk-worker.js'], outfile: `${outdir}/chunk-worker.js` });
// The embedded store's write thread, loaded as new URL('./embedded/write-worker.js') from the
// chunk that holds the store (dist/bundle/), as from dist/store/embedded.js.
const writeWorker = await build({ ...common, entryPoints: ['dist/store/embedded/write-worker.js'], outfile: `${outdir}/embedded/write-worker.js` });

// CW_BUNDLE_META=file: what went into each output, for inspection.
if (process.env.CW_BUNDLE_META) {
  const outputs = { ...cli.metafile.outputs, ...worker.metafile.outputs, ...writeWorker.metafile.outputs };
  await writeFile(process.env.CW_BUNDLE_META, JSON.stringify({ outputs }));
}
