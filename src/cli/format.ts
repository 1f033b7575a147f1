import path from 'node:path';
import type { RunSummary } from '../pipeline/summary.js';
import { shardSet, type ShardSet } from '../session/shards.js';
import type { SearchHit, ShardRun, StoreStatus } from '../store/vector-store.js';
import { indexedFields } from '../session/status-document.js';
import type { PendingChanges } from '../session/session.js';
import type { Worktree } from '../session/worktree.js';
import { quotePath } from '../quote-path.js';
import type { Output } from './output.js';

export { quotePath };
import { fmt, formatDuration } from './progress.js';

/** Human text for `cw index`; `--json` prints the RunSummary itself. */
export function formatSummary(s: RunSummary, out: Output): string {
  const f = s.files;
  const skipped = Object.values(f.skipped).reduce((a, b) => a + (b ?? 0), 0);
  const verb = s.dry_run ? 'Would index' : s.interrupted ? 'Interrupted after indexing' : 'Indexed';
  const lines = [
    `${out.style('bold', verb)} ${fmt(f.indexed)} file${f.indexed === 1 ? '' : 's'} (${fmt(f.unchanged)} unchanged, ${fmt(f.deleted)} deleted${
      f.out_of_scope ? `, ${fmt(f.out_of_scope)} out of scope` : ''
    }, ${fmt(skipped)} skipped${f.failed ? `, ${out.style('red', `${fmt(f.failed)} failed`)}` : ''}) in ${formatDuration(s.duration_ms)}`,
    `  chunks: ${fmt(s.chunks.embedded)} embedded, ${fmt(s.chunks.reused)} reused, ${fmt(s.chunks.written)} written, ${fmt(
      s.chunks.deleted,
    )} removed · ~${fmt(s.tokens)} tokens`,
    `  ${s.provider}/${s.model} (${s.search_mode} search) → ${s.store} ${s.store_location}`,
  ];
  if (s.dry_run && s.provider === 'onnx') {
    lines.push(
      s.estimated_seconds !== null
        ? `  estimated time: ~${formatDuration(s.estimated_seconds * 1000)} of embedding on this machine (${fmt(s.measured_tokens_per_second ?? 0)} tokens/s measured); no cost`
        : '  estimated time: unknown (the model could not be timed: see the warning); no cost',
    );
  } else if (s.dry_run && s.estimated_cost_usd !== null) lines.push(`  estimated cost: $${s.estimated_cost_usd.toFixed(4)}`);
  else if (s.dry_run && s.provider !== 'local') lines.push(`  estimated cost: unknown (no price known for ${s.provider}/${s.model})`);
  const secretFiles = f.skipped.secret_file ?? 0;
  if (s.secrets_redacted > 0 || secretFiles > 0) {
    const parts = [
      ...(s.secrets_redacted > 0 ? [`${fmt(s.secrets_redacted)} redacted before indexing`] : []),
      ...(secretFiles > 0 ? [`${fmt(secretFiles)} secret file${secretFiles === 1 ? '' : 's'} (.env, keys, …) left unread`] : []),
    ];
    lines.push(`  secrets: ${parts.join(', ')}${out.verbose ? '' : ' (--verbose lists where)'}`);
  }
  if (skipped > 0 && out.verbose) {
    lines.push(`  skipped: ${Object.entries(f.skipped).map(([r, n]) => `${r} ${fmt(n ?? 0)}`).join(', ')}`);
  }
  if (out.verbose) {
    const parsers = Object.entries(s.parsers);
    for (const backend of ['native', 'wasm'] as const) {
      const languages = parsers.filter(([, b]) => b === backend).map(([l]) => l);
      if (languages.length > 0) lines.push(`  parsed ${backend === 'native' ? 'natively' : 'on WASM'}: ${languages.sort().join(', ')}`);
    }
    for (const [name, h] of Object.entries(s.http)) {
      lines.push(
        `  http ${name}: ${fmt(h.requests)} requests, ${fmt(h.connections_opened)} connections opened, ${fmt(h.reused_requests)} reused`,
      );
    }
  }
  if (s.vectors_pending > 0) lines.push(`  vectors: ${fmt(s.vectors_pending)} chunks still without one — the next \`cw index\` fills them (lexical search covers them meanwhile)`);
  if (s.rebuild_pending) lines.push('  the rebuild is not live yet: `cw index --full` finishes it (a plain `cw index` updates the live index instead)');
  else if (s.interrupted) lines.push('  the next `cw index` finishes the rest');
  return lines.join('\n');
}

export interface HitsContext {
  /** The repository root (paths in hits are relative to it). */
  root: string;
  /** Where the user stands: printed paths are relative to it, so terminals make them clickable. */
  cwd: string;
  /** Most lines shown per hit (6: the snippet; Infinity for -C/--whole, which chose the lines). */
  maxLines?: number;
  /** Highlighted in snippets on a TTY. */
  query: string;
}

/**
 * Human text for `cw search`: hits grouped by file (a file's hits together, files in the order
 * of their best hit), each as `path:line` relative to the working directory, its snippet with
 * line numbers and, on a TTY, the query's words highlighted.
 */
export function formatHits(hits: SearchHit[], out: Output, ctx: HitsContext): string {
  if (hits.length === 0) return 'no results';
  const groups = new Map<string, SearchHit[]>();
  for (const h of hits) groups.set(h.path, [...(groups.get(h.path) ?? []), h]);
  const highlight = highlighter(ctx.query, out);
  const blocks: string[] = [];
  for (const [file, fileHits] of groups) {
    const shown = displayPath(ctx.root, ctx.cwd, file);
    for (const h of fileHits) {
      const head = `${out.style('cyan', `${shown}:${h.snippetStartLine}`)}${h.symbol ? ` ${out.style('bold', h.symbol)}` : ''} ${out.style(
        'dim',
        `(lines ${h.startLine}-${h.endLine}, score ${h.score.toFixed(4)})`,
      )}`;
      const lines = h.snippet.split('\n').slice(0, ctx.maxLines ?? 6);
      const width = String(h.snippetStartLine + lines.length - 1).length;
      const body = lines.map((l, i) => `  ${out.style('dim', `${String(h.snippetStartLine + i).padStart(width)} │`)} ${highlight(l)}`).join('\n');
      blocks.push(`${head}\n${body}`);
    }
  }
  return blocks.join('\n\n');
}

/** A repository path as the user would type it from where they stand. */
function displayPath(root: string, cwd: string, file: string): string {
  const rel = path.relative(cwd, path.join(root, file));
  return quotePath(rel === '' ? file : rel.split(path.sep).join('/'));
}

/** Marks the query's words (case-insensitive) in a line; identity when colours are off. */
function highlighter(query: string, out: Output): (line: string) => string {
  const words = [...new Set(query.toLowerCase().split(/[^\p{L}\p{N}_$]+/u).filter((w) => w.length >= 2))];
  if (words.length === 0 || out.style('bold', 'x') === 'x') return (l) => l;
  const pattern = new RegExp(`(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'giu');
  return (line) => line.replace(pattern, (m) => out.style(['bold', 'yellow'], m));
}

/** snake_case JSON for `cw status --json`. */
export function statusDocument(status: StoreStatus | null, location: string, kind: string): Record<string, unknown> {
  const indexed = indexedFields(status);
  const pending = status?.pendingRebuild;
  // A --full rebuild not yet live: what `cw index --full` would resume.
  const rebuild = pending
    ? {
        pending_rebuild: {
          provider: pending.meta?.provider ?? null,
          model: pending.meta?.model ?? null,
          dimensions: pending.meta?.dimensions ?? null,
          files: pending.files,
          bytes: pending.bytes,
          started_at: pending.startedAt,
        },
      }
    : {};
  if (!status || !indexed) {
    return { indexed: false, store: kind, location, files: 0, chunks: 0, vectors: 0, ...rebuild };
  }
  return {
    ...indexed,
    ...rebuild,
    // Present once the index was written by shards (cw index --shard): each shard's last run.
    // Present once the index went through a migration (embedded store): newest first.
    ...(status.migrations?.length
      ? { migrations: status.migrations.map((m) => ({ at: m.at, from_schema: m.fromSchema, to_schema: m.toSchema, vectors_indexed: m.vectorsIndexed })) }
      : {}),
    ...(status.shardRuns?.length ? { shards: shardSet(status.shardRuns) } : {}),
    ...(status.pendingBuilds?.length
      ? { pending_builds: status.pendingBuilds.map((b) => ({ build: b.build, ...(shardSet(b.runs) ?? { shards: 0, complete: false, runs: [] }) })) }
      : {}),
  };
}

export function formatStatus(doc: Record<string, unknown>, now: Date = new Date()): string {
  if (!doc.indexed) {
    return [
      `no index yet at ${doc.location} — run \`cw index\` to create it`,
      ...worktreeLines(doc.worktree as Worktree | undefined, null),
      ...rebuildLines(doc.pending_rebuild as PendingRebuild | undefined, now),
    ].join('\n');
  }
  const lexical = doc.dimensions === null;
  return [
    `index: ${doc.store} ${doc.location}`,
    `  model: ${doc.provider}/${doc.model}${lexical ? ' (lexical: BM25 only)' : ` (${doc.dimensions} dimensions, hybrid search)`}`,
    `  ${count(doc.files as number, 'file')}, ${count(doc.chunks as number, 'chunk')}${lexical ? '' : `, ${count(doc.vectors as number, 'vector')}`}`,
    ...(!lexical && (doc.vectors as number) < (doc.chunks as number)
      ? [`  vectors: ${fmt(doc.vectors as number)} of ${fmt(doc.chunks as number)} chunks — \`cw index\` fills the rest (found lexically meanwhile)`]
      : []),
    ...(doc.dense_engine === 'sqlite-vec' ? ['  dense search: sqlite-vec (bit-quantized candidates, rescored exactly)'] : doc.dense_engine === 'scan' ? ['  dense search: a scan of every vector (sqlite-vec not in use)'] : []),
    ...(doc.languages && Object.keys(doc.languages).length > 0 ? [`  languages: ${languageLine(doc.languages as Record<string, number>)}`] : []),
    `  created ${whenText(doc.created_at as string | null, now) ?? 'unknown'}, last indexed ${whenText(doc.last_indexed_at as string | null, now) ?? 'never'}`,
    ...worktreeLines(doc.worktree as Worktree | undefined, (doc.changes as PendingChanges | null | undefined) ?? null),
    ...(doc.rerank ? [`  rerank: ${(doc.rerank as { provider: string }).provider}/${(doc.rerank as { model: string }).model}, the best ${(doc.rerank as { candidates: number }).candidates} first-stage hits of each search`] : []),
    ...migrationLines(doc.migrations as MigrationEntry[] | undefined),
    ...(doc.shards ? shardLines('shards', doc.shards as ShardSet) : []),
    ...((doc.pending_builds as Array<ShardSet & { build: string }> | undefined) ?? []).flatMap((b) => shardLines(`build ${b.build} (not live)`, b)),
    ...rebuildLines(doc.pending_rebuild as PendingRebuild | undefined, now),
  ].join('\n');
}

/** The checkout, and how far the index is behind it (when counted). */
function worktreeLines(tree: Worktree | undefined, changes: PendingChanges | null): string[] {
  const head = tree?.commit ? `${tree.branch ?? 'detached HEAD'} at ${tree.commit.slice(0, 12)}` : null;
  let fresh: string | null = null;
  if (changes) {
    const behind = changes.new_or_changed + changes.deleted;
    fresh =
      behind === 0
        ? 'the index is up to date with the files on disk'
        : `${count(changes.new_or_changed, 'file')} new or changed, ${fmt(changes.deleted)} deleted since the last run — \`cw index\` brings it up to date`;
  }
  if (!head && !fresh) return [];
  return [`  ${[head && `checkout: ${head}`, fresh].filter(Boolean).join(' · ')}`];
}

/**
 * "3 hours ago (2026-12-07 07:51 UTC)": how long ago first, as people ask it, then the moment,
 * in UTC so that two machines' output compares. --json keeps the ISO string.
 */
export function whenText(iso: string | null, now: Date): string | null {
  if (!iso) return null;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const seconds = Math.round((now.getTime() - at.getTime()) / 1000);
  const stamp = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const units: Array<[number, string]> = [
    [86_400 * 365, 'year'],
    [86_400 * 30, 'month'],
    [86_400 * 7, 'week'],
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  if (seconds < 0) return stamp; // a clock behind the index's: no "ago" to tell
  if (seconds < 60) return `just now (${stamp})`;
  const [size, unit] = units.find(([size]) => seconds >= size)!;
  const n = Math.floor(seconds / size);
  return `${n} ${unit}${n === 1 ? '' : 's'} ago (${stamp})`;
}

interface PendingRebuild {
  provider: string | null;
  model: string | null;
  files: number | null;
  bytes: number | null;
  started_at: string | null;
}

/** The one story of an unfinished --full, told the same way by the run's summary and by status. */
function rebuildLines(r: PendingRebuild | undefined, now: Date): string[] {
  if (!r) return [];
  const what = [
    r.provider ? `${r.provider}/${r.model}` : null,
    r.files !== null ? count(r.files, 'file') + ' so far' : null,
    r.bytes !== null ? formatBytes(r.bytes) : null,
    r.started_at ? `started ${whenText(r.started_at, now)}` : null,
  ].filter(Boolean);
  return [`  rebuild not live yet${what.length ? ` (${what.join(', ')})` : ''}: \`cw index --full\` finishes it; searches use the index above until then`];
}

export function formatBytes(n: number): string {
  if (n < 1024 * 1024) return n === 0 ? '0 KB' : `${Math.max(1, Math.round(n / 1024))} KB`;
  return `${(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/** The most common languages with their file counts, the rest summed. */
function languageLine(languages: Record<string, number>): string {
  const entries = Object.entries(languages);
  const shown = entries.slice(0, 6).map(([name, n]) => `${name} ${fmt(n)}`);
  const rest = entries.slice(6).reduce((sum, [, n]) => sum + n, 0);
  return rest > 0 ? `${shown.join(', ')}, others ${fmt(rest)}` : shown.join(', ');
}

interface MigrationEntry {
  at: string;
  from_schema: number;
  to_schema: number;
  vectors_indexed: number | null;
}

/** The latest schema upgrade and the latest dense-index build, when there were any. */
function migrationLines(migrations: MigrationEntry[] | undefined): string[] {
  const schema = migrations?.find((m) => m.from_schema !== m.to_schema);
  const dense = migrations?.find((m) => m.vectors_indexed !== null);
  return [
    ...(schema ? [`  migrated ${schema.at}: index format v${schema.from_schema} → v${schema.to_schema}`] : []),
    ...(dense ? [`  dense index built ${dense.at} from ${count(dense.vectors_indexed!, 'stored vector')} (none embedded again)`] : []),
  ];
}

/** A shard set: a head line saying whether it adds up, then a line per shard's last run. */
function shardLines(title: string, set: ShardSet): string[] {
  if (set.shards === 0) return [`  ${title}: no shard has finished`];
  const state = set.complete
    ? `complete${set.commit ? ` at ${set.commit.slice(0, 12)}` : ''}`
    : [
        set.missing.length ? `missing ${set.missing.join(', ')}` : '',
        set.incomplete.length ? `unfinished ${set.incomplete.join(', ')}` : '',
        set.commits.length ? `${set.commits.length} different commits` : '',
      ]
        .filter(Boolean)
        .join('; ');
  return [`  ${title}: ${set.shards} — ${state}`, ...set.runs.map((r) => `    ${shardRunLine(r)}`)];
}

function shardRunLine(r: ShardRun): string {
  const when = r.finished_at ?? `started ${r.started_at}`;
  const commit = r.commit ? ` ${r.commit.slice(0, 12)}` : '';
  return `${r.shard}/${r.shards} ${r.outcome}${commit} ${when} · ${count(r.files.total, 'file')} (${fmt(r.files.indexed)} indexed, ${fmt(r.files.deleted)} deleted) · ${count(r.chunks.written, 'chunk')} written`;
}

/** "1 file", "2 files", "1,204 chunks". */
export function count(n: number, noun: string): string {
  return `${fmt(n)} ${noun}${n === 1 ? '' : 's'}`;
}
