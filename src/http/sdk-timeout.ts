import type { HttpPoolSettings } from '../config/schema.js';

/**
 * The timeout we give an SDK: a backstop that never fires before the pool's own typed
 * timeouts (pool wait + connect + write + read), so a slow request fails with the
 * ReadTimeoutError naming `http_pool.read_timeout`, not with an SDK's anonymous abort.
 * (Voyage's SDK would otherwise cut every request at 60 s, below our 90 s provider read_timeout.)
 */
export function sdkTimeoutSeconds(s: Readonly<HttpPoolSettings>): number {
  return s.pool_timeout + s.connect_timeout + s.write_timeout + s.read_timeout + 5;
}
