/**
 * Qdrant filter semantics, in memory: `must` / `should` / `must_not` / `min_should`, nested
 * filters, field conditions (match value/any/except/text, range, is_empty, is_null, values_count),
 * `has_id`, `has_vector`. A payload array matches when any element matches, as in Qdrant.
 */
import { idKey } from './ids.js';

export interface FilterablePoint {
  key: string;
  payload: Record<string, any>;
  vector: Record<string, unknown>;
}

type Json = any;

const asList = (c: Json): Json[] => (c === undefined || c === null ? [] : Array.isArray(c) ? c : [c]);

/** Values at a payload path: "a.b", "a[].b"; arrays are flattened like Qdrant's JSON path. */
export function valuesAt(payload: Record<string, any>, path: string): unknown[] {
  let current: unknown[] = [payload];
  for (const rawPart of path.split('.')) {
    const flatten = rawPart.endsWith('[]');
    const part = flatten ? rawPart.slice(0, -2) : rawPart;
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      const child = (value as Record<string, unknown>)[part];
      if (child === undefined) continue;
      if (flatten && Array.isArray(child)) next.push(...child);
      else next.push(child);
    }
    current = next;
  }
  // A terminal array contributes its elements (any-element semantics).
  return current.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

function matches(condition: Json, value: unknown): boolean {
  const m = condition.match;
  if (m && 'value' in m) return value === m.value;
  if (m && 'any' in m) return (m.any as unknown[]).includes(value);
  if (m && 'except' in m) return !(m.except as unknown[]).includes(value);
  if (m && 'text' in m) return typeof value === 'string' && value.includes(m.text);
  if (m && 'phrase' in m) return typeof value === 'string' && value.includes(m.phrase);
  if (m && 'prefix' in m) return typeof value === 'string' && value.startsWith(m.prefix);
  const r = condition.range;
  if (r) {
    if (typeof value !== 'number') return false;
    return (r.gt == null || value > r.gt) && (r.gte == null || value >= r.gte) && (r.lt == null || value < r.lt) && (r.lte == null || value <= r.lte);
  }
  return false;
}

function fieldCondition(condition: Json, point: FilterablePoint): boolean {
  const values = valuesAt(point.payload, condition.key);
  if (condition.is_empty === true) return values.length === 0 || values.every((v) => v === null);
  if (condition.is_null === true) return values.includes(null);
  if (condition.values_count) {
    const n = values.length;
    const vc = condition.values_count;
    return (vc.gt == null || n > vc.gt) && (vc.gte == null || n >= vc.gte) && (vc.lt == null || n < vc.lt) && (vc.lte == null || n <= vc.lte);
  }
  // `except` also matches points that do not have the field at all.
  if (condition.match && 'except' in condition.match && values.length === 0) return true;
  return values.some((v) => matches(condition, v));
}

function condition(c: Json, point: FilterablePoint): boolean {
  if ('key' in c) return fieldCondition(c, point);
  if ('has_id' in c) return (c.has_id as Array<number | string>).some((id) => idKey(id) === point.key);
  if ('is_empty' in c) {
    const values = valuesAt(point.payload, c.is_empty.key);
    return values.length === 0 || values.every((v) => v === null);
  }
  if ('is_null' in c) return valuesAt(point.payload, c.is_null.key).includes(null);
  if ('has_vector' in c) return point.vector[c.has_vector] !== undefined;
  if ('nested' in c) {
    const items = valuesAt(point.payload, c.nested.key).filter((v) => v !== null && typeof v === 'object');
    return items.some((item) => matchesFilter(c.nested.filter, { ...point, payload: item as Record<string, any> }));
  }
  return matchesFilter(c, point);
}

/** True when the point satisfies the filter; an absent filter matches everything. */
export function matchesFilter(filter: Json, point: FilterablePoint): boolean {
  if (filter === undefined || filter === null) return true;
  if (!asList(filter.must).every((c) => condition(c, point))) return false;
  if (asList(filter.must_not).some((c) => condition(c, point))) return false;
  if (filter.should !== undefined && filter.should !== null) {
    const should = asList(filter.should);
    if (should.length > 0 && !should.some((c) => condition(c, point))) return false;
  }
  if (filter.min_should) {
    const hits = asList(filter.min_should.conditions).filter((c) => condition(c, point)).length;
    if (hits < filter.min_should.min_count) return false;
  }
  return true;
}

/** Both filters must hold (used to push a query's filter down into its prefetches). */
export function andFilters(a: Json, b: Json): Json {
  if (!a) return b ?? undefined;
  if (!b) return a;
  return { must: [a, b] };
}
