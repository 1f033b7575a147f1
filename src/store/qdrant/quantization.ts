/**
 * Qdrant's scalar (int8) quantization, as `store.quantization` asks: a quarter-size copy of every
 * dense vector kept in RAM for the search pass, whose best candidates are then rescored with the
 * full vectors. For large collections, where the float vectors no longer fit in memory; off by
 * default (a small collection gains nothing and pays the copy).
 */
export type QuantizationSetting = 'none' | 'int8';

/**
 * Candidates rescored per wanted hit: int8 keeps the ordering close enough that twice the hits,
 * rescored exactly, hold the true top hits (Qdrant's guide suggests 1.5–3).
 */
const OVERSAMPLING = 2;

/** The collection's quantization_config for a setting (null: none). */
export function quantizationConfig(setting: QuantizationSetting): Record<string, unknown> | null {
  return setting === 'int8' ? { scalar: { type: 'int8', quantile: 0.99, always_ram: true } } : null;
}

/** What an update sets for a collection whose quantization differs from the setting; null when it matches. */
export function quantizationChange(setting: QuantizationSetting, current: unknown): Record<string, unknown> | 'Disabled' | null {
  const scalar = (current as { scalar?: { type?: string } } | null | undefined)?.scalar;
  const has = current !== null && current !== undefined;
  if (setting === 'int8') return scalar?.type === 'int8' ? null : quantizationConfig('int8');
  return has ? 'Disabled' : null;
}

/** The dense query's search params: rescore the oversampled int8 candidates with the full vectors. */
export function quantizedSearchParams(setting: QuantizationSetting): Record<string, unknown> | undefined {
  return setting === 'int8' ? { quantization: { ignore: false, rescore: true, oversampling: OVERSAMPLING } } : undefined;
}
