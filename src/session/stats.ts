/**
 * Per-run figures from cumulative counters: a long-lived session (a server, a watcher) runs
 * many indexes, and each must report its own requests and connections, never the totals.
 */

type Counters = { [key: string]: number | Counters };

/** Fields that are a level right now, not a count: reported as they are at the end. */
const GAUGES = new Set(['in_flight', 'queued']);

/** `after - before`, field by field (nested records too); gauges keep their `after` value. */
export function counterDelta<T extends object>(after: T, before: T | undefined): T {
  if (!before) return structuredClone(after);
  const out: Counters = {};
  for (const [key, value] of Object.entries(after as Counters)) {
    const prior = (before as Counters)[key];
    if (typeof value === 'number') out[key] = GAUGES.has(key) || typeof prior !== 'number' ? value : value - prior;
    else if (value && typeof value === 'object') out[key] = counterDelta(value, (prior as Counters | undefined) ?? undefined);
    else out[key] = value;
  }
  return out as T;
}

/** Per-client delta of a `{ client: stats }` record; clients with nothing this run are left out. */
export function perClientDelta<S extends object>(after: Record<string, S>, before: Record<string, S>): Record<string, S> {
  const out: Record<string, S> = {};
  for (const [name, stats] of Object.entries(after)) {
    const delta = counterDelta(stats, before[name]);
    if ((delta as { requests?: number }).requests !== 0 || !before[name]) out[name] = delta;
  }
  return out;
}
