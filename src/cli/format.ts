import type { RunSummary } from '../pipeline/summary.js';
import type { SearchHit, StoreStatus } from '../store/vector-store.js';
import type { Output } from './output.js';
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
  if (s.dry_run && s.estimated_cost_usd !== null) lines.push(`  estimated cost: $${s.estimated_cost_usd.toFixed(4)}`);
  if (skipped > 0 && out.verbose) {
    lines.push(`  skipped: ${Object.entries(f.skipped).map(([r, n]) => `${r} ${fmt(n ?? 0)}`).join(', ')}`);
  }
  if (out.verbose) {
    for (const [name, h] of Object.entries(s.http)) {
      lines.push(
        `  http ${name}: ${fmt(h.requests)} requests, ${fmt(h.connections_opened)} connections opened, ${fmt(h.reused_requests)} reused`,
      );
    }
  }
  if (s.interrupted) lines.push('  the next `cw index` finishes the rest');
  return lines.join('\n');
}

export function formatHits(hits: SearchHit[], out: Output): string {
  if (hits.length === 0) return 'no results';
  return hits
    .map((h, i) => {
      const head = `${String(i + 1).padStart(2)}. ${out.style('cyan', `${h.path}:${h.startLine}-${h.endLine}`)}${
        h.symbol ? ` ${out.style('bold', h.symbol)}` : ''
      } ${out.style('dim', `(score ${h.score.toFixed(4)})`)}`;
      const body = h.snippet
        .split('\n')
        .slice(0, 6)
        .map((l) => `      ${l}`)
        .join('\n');
      return `${head}\n${body}`;
    })
    .join('\n\n');
}

/** snake_case JSON for `cw status --json`. */
export function statusDocument(status: StoreStatus | null, location: string, kind: string): Record<string, unknown> {
  if (!status || !status.meta) {
    return { indexed: false, store: kind, location, files: 0, chunks: 0, vectors: 0 };
  }
  return {
    indexed: true,
    store: status.kind,
    location: status.location,
    provider: status.meta.provider,
    model: status.meta.model,
    dimensions: status.meta.dimensions,
    search_mode: status.meta.dimensions === null ? 'lexical' : 'hybrid',
    files: status.files,
    chunks: status.chunks,
    vectors: status.vectors,
    created_at: status.createdAt,
    last_indexed_at: status.lastIndexedAt,
  };
}

export function formatStatus(doc: Record<string, unknown>): string {
  if (!doc.indexed) return `no index yet at ${doc.location} — run \`cw index\` to create it`;
  return [
    `index: ${doc.store} ${doc.location}`,
    `  ${doc.provider}/${doc.model}${doc.dimensions ? ` (${doc.dimensions} dims)` : ''}, ${doc.search_mode} search`,
    `  ${fmt(doc.files as number)} files, ${fmt(doc.chunks as number)} chunks, ${fmt(doc.vectors as number)} vectors`,
    `  created ${doc.created_at ?? 'unknown'}, last indexed ${doc.last_indexed_at ?? 'never'}`,
  ].join('\n');
}
