import { afterEach, describe, expect, it } from 'vitest';
import { HTTP_POOL_DEFAULTS, PROVIDER_POOL_DEFAULTS } from '../../src/config/schema.js';
import { HttpClientPool, HttpPoolClosedError } from '../../src/http/pool.js';

const pools: HttpClientPool[] = [];
function newPool(...args: ConstructorParameters<typeof HttpClientPool>): HttpClientPool {
  const pool = new HttpClientPool(...args);
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.destroyAll()));
});

describe('HttpClientPool.getClient', () => {
  it('returns the same client (and Agent) for the same name, a separate one per name', () => {
    const pool = newPool({});
    const voyage = pool.getClient('voyage');
    expect(pool.getClient('voyage')).toBe(voyage);
    const qdrant = pool.getClient('qdrant');
    expect(qdrant).not.toBe(voyage);
    expect(qdrant.dispatcher).not.toBe(voyage.dispatcher);
    expect(Object.keys(pool.stats()).sort()).toEqual(['qdrant', 'voyage']);
  });

  it('layers built-in, provider, top-level, per-provider settings, then overrides', () => {
    const pool = newPool({ read_timeout: 30, providers: { voyage: { max_connections: 7 } } });
    const voyage = pool.getClient('voyage', { pool_timeout: 0.5 }, { providerDefaults: true });
    expect(voyage.settings).toEqual({
      ...HTTP_POOL_DEFAULTS,
      ...PROVIDER_POOL_DEFAULTS,
      read_timeout: 30,
      max_connections: 7,
      pool_timeout: 0.5,
    });
    expect(pool.getClient('qdrant').settings.max_connections).toBe(HTTP_POOL_DEFAULTS.max_connections);
  });

  it('warns (once) when a later call asks for different settings, and keeps the first client', () => {
    const warnings: string[] = [];
    const pool = newPool({}, { onWarning: (m) => warnings.push(m) });
    const first = pool.getClient('cohere', { max_connections: 5 });
    expect(pool.getClient('cohere', { max_connections: 5 })).toBe(first);
    expect(pool.getClient('cohere')).toBe(first);
    expect(warnings).toEqual([]);

    expect(pool.getClient('cohere', { max_connections: 9 })).toBe(first);
    expect(pool.getClient('cohere', { max_connections: 9 })).toBe(first);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"cohere"');
    expect(warnings[0]).toContain('max_connections=5');
    expect(warnings[0]).toContain('max_connections=9');
    expect(warnings[0]).toContain('http_pool.providers.cohere');
    expect(first.settings.max_connections).toBe(5);
  });

  it('throws a typed error after closeAll', async () => {
    const pool = newPool({});
    pool.getClient('voyage');
    await pool.closeAll();
    expect(() => pool.getClient('voyage')).toThrow(HttpPoolClosedError);
  });
});
