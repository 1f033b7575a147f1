/**
 * `pathPrefix` as an index-friendly range: "src/store" matches "src/store" itself and
 * everything under "src/store/", but not "src/storefront/x".
 */
import { canonicalPrefix } from '../path-prefix.js';

export interface PathRange {
  /** Exact path (a prefix naming a file). */
  exact: string;
  /** Inclusive lower bound: "dir/". */
  from: string;
  /** Exclusive upper bound: "dir0" ('0' is the code point after '/'). */
  to: string;
}

export function pathRange(prefix: string | undefined): PathRange | null {
  const dir = canonicalPrefix(prefix);
  return dir === null ? null : { exact: dir, from: `${dir}/`, to: `${dir}0` };
}

/** SQL condition over `column` with named parameters @pathExact, @pathFrom, @pathTo. */
export function pathCondition(column: string): string {
  return `(${column} = @pathExact OR (${column} >= @pathFrom AND ${column} < @pathTo))`;
}

export function pathParams(range: PathRange): Record<string, string> {
  return { pathExact: range.exact, pathFrom: range.from, pathTo: range.to };
}
