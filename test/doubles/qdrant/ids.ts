/**
 * Point ids: Qdrant accepts unsigned integers or UUID strings and answers with the same kind.
 * The double keys points by a canonical string (decimal for integers, lowercase hyphenated for
 * UUIDs); the two can never collide because a UUID always contains hyphens.
 */
export type PointId = number | string;

export function idKey(id: PointId): string {
  return typeof id === 'number' ? String(id) : id.toLowerCase();
}

export function idFromKey(key: string): PointId {
  return /^\d+$/.test(key) ? Number(key) : key;
}

/** Qdrant's order: every integer id before every UUID; UUIDs by byte (= lowercase hex) order. */
export function compareKeys(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Number(a) - Number(b);
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
