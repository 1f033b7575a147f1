/**
 * A file's language, from its name alone. The names are stored in the index and shown in
 * search results, so they are stable; `text` is the catch-all.
 */
import { UsageError } from '../errors.js';

const BY_EXTENSION: Record<string, string> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  py: 'python', pyi: 'python', pyw: 'python',
  go: 'go',
  rs: 'rust',
  java: 'java',
  c: 'c', h: 'c',
  cc: 'cpp', cpp: 'cpp', cxx: 'cpp', 'c++': 'cpp', hh: 'cpp', hpp: 'cpp', hxx: 'cpp', 'h++': 'cpp', ipp: 'cpp', inl: 'cpp',
  cs: 'csharp',
  rb: 'ruby', rake: 'ruby', gemspec: 'ruby',
  php: 'php', phtml: 'php',
  kt: 'kotlin', kts: 'kotlin',
  swift: 'swift',
  scala: 'scala', sc: 'scala',
  dart: 'dart',
  lua: 'lua',
  ex: 'elixir', exs: 'elixir',
  elm: 'elm',
  ml: 'ocaml', mli: 'ocaml',
  zig: 'zig',
  sol: 'solidity',
  m: 'objc', mm: 'objc',
  sh: 'bash', bash: 'bash', zsh: 'bash',
  vue: 'vue',
  html: 'html', htm: 'html',
  css: 'css', scss: 'scss', sass: 'scss', less: 'less',
  md: 'markdown', markdown: 'markdown', mdx: 'markdown',
  rst: 'restructuredtext',
  adoc: 'asciidoc', asciidoc: 'asciidoc',
  json: 'json', jsonc: 'json', json5: 'json',
  yaml: 'yaml', yml: 'yaml',
  toml: 'toml',
  xml: 'xml',
  sql: 'sql',
  proto: 'protobuf',
  graphql: 'graphql', gql: 'graphql',
  tf: 'terraform', hcl: 'terraform',
};

const BY_NAME: Record<string, string> = {
  dockerfile: 'dockerfile',
  makefile: 'make',
  gnumakefile: 'make',
  rakefile: 'ruby',
  gemfile: 'ruby',
  'cmakelists.txt': 'cmake',
};

/**
 * The languages that are prose rather than code: documentation, notes, plain text. The one
 * list (search ranks them below code for code questions); every name is one languageForPath
 * gives.
 */
export const PROSE_LANGUAGES: ReadonlySet<string> = new Set(['markdown', 'restructuredtext', 'asciidoc', 'text']);

/** Names people use for a language besides its stored name and its file extensions. */
const ALIASES: Record<string, string> = {
  golang: 'go',
  'c#': 'csharp',
  'c++': 'cpp',
  shell: 'bash',
  'objective-c': 'objc',
  objectivec: 'objc',
  rest: 'restructuredtext',
  restructured_text: 'restructuredtext',
  txt: 'text',
  plaintext: 'text',
  docker: 'dockerfile',
  makefile: 'make',
};

/**
 * A language as a user names it (`--lang`, MCP `language`): its stored name (`python`,
 * `restructuredtext`), a file extension that stands for one (`py`, `rst`, `md`, `ts`), or a
 * common alias (`golang`, `c#`, `shell`); any case, with or without a leading dot. Null for a
 * name that stands for no language (the caller says which names do).
 */
export function resolveLanguage(name: string): string | null {
  const lower = name.trim().toLowerCase().replace(/^\./, '');
  if (KNOWN_LANGUAGES.has(lower)) return lower;
  return BY_EXTENSION[lower] ?? ALIASES[lower] ?? null;
}

/** Every stored language name, sorted: what an unknown name is told to choose from. */
export function knownLanguages(): string[] {
  return [...KNOWN_LANGUAGES].sort();
}

/** A language filter (`--lang`, MCP `language`) as stored names; an unknown name is a UsageError naming the choices. */
export function languageFilter(names: readonly string[]): Set<string> {
  return new Set(
    names.map((name) => {
      const language = resolveLanguage(name);
      if (language) return language;
      throw new UsageError(`unknown language "${name}" — use one of ${knownLanguages().join(', ')}, or a file extension (py, ts, rs, md, …)`);
    }),
  );
}

export function languageForPath(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const byName = BY_NAME[name];
  if (byName) return byName;
  if (name.startsWith('dockerfile.')) return 'dockerfile';
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'text'; // no extension, or a dotfile such as .gitignore
  return BY_EXTENSION[name.slice(dot + 1)] ?? 'text';
}

const KNOWN_LANGUAGES: ReadonlySet<string> = new Set([...Object.values(BY_EXTENSION), ...Object.values(BY_NAME), 'text']);
