/**
 * Which settings a long-lived process (cw watch, cw mcp --watch) can take from an edited
 * configuration file while it runs, and which need a restart. Live: what a run reads afresh
 * each time — the scope of the walk (include, exclude, sizes, gitignore, secret and generated
 * files), the watcher's timing, search ranking. Restart: what the process built its long-lived
 * parts from (provider, model and endpoint, store, HTTP pool) and what changes every stored
 * chunk (chunk size, parser).
 */
import type { Config } from './schema.js';

/** Sections of the configuration whose keys apply live, but for those listed in RESTART_KEYS. */
const LIVE_SECTIONS = new Set(['indexing', 'watch', 'search']);
const RESTART_KEYS = new Set(['indexing.chunk_tokens', 'indexing.parser']);

export interface ConfigChange {
  /** Changed keys the process applies as it runs (dotted paths). */
  live: string[];
  /** Changed keys that take effect only after a restart. */
  restart: string[];
}

/** The keys whose values differ between two configurations, sorted into live and restart. */
export function configChange(before: Config, after: Config): ConfigChange {
  const change: ConfigChange = { live: [], restart: [] };
  const sections = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const section of sections) {
    if (section === '$schema') continue; // the editor's, not ours
    const a = (before as Record<string, unknown>)[section] as Record<string, unknown> | undefined;
    const b = (after as Record<string, unknown>)[section] as Record<string, unknown> | undefined;
    const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
    for (const key of keys) {
      if (JSON.stringify(a?.[key]) === JSON.stringify(b?.[key])) continue;
      const name = `${section}.${key}`;
      (LIVE_SECTIONS.has(section) && !RESTART_KEYS.has(name) ? change.live : change.restart).push(name);
    }
  }
  return change;
}

type Sections = Record<string, Record<string, unknown>>;

/** `current` with the live settings of `next`: what needs a restart stays as it is. */
export function liveConfig(current: Config, next: Config): Config {
  const from = current as unknown as Sections;
  const merged: Sections = { ...from };
  for (const section of LIVE_SECTIONS) merged[section] = { ...(next as unknown as Sections)[section] };
  for (const key of RESTART_KEYS) {
    const [section, name] = key.split('.') as [string, string];
    merged[section]![name] = from[section]![name];
  }
  return merged as unknown as Config;
}
