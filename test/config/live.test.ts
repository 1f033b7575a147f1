import { describe, expect, it } from 'vitest';
import { configChange, liveConfig } from '../../src/config/live.js';
import { ConfigSchema } from '../../src/config/schema.js';

const parse = (raw: unknown) => ConfigSchema.parse(raw);

describe('an edited configuration while cw watch runs', () => {
  it('names each changed key, live (scope, watch timing, ranking) or for a restart (provider, store, pool, chunking)', () => {
    const before = parse({ indexing: { exclude: ['a/'] } });
    const after = parse({
      $schema: './x.json',
      indexing: { exclude: ['b/'], chunk_tokens: 256 },
      watch: { debounce_ms: 50 },
      search: { path_priors: { test: 1 } },
      embedding: { provider: 'voyage' },
      http_pool: { max_connections: 3 },
    });
    const change = configChange(before, after);
    expect(change.live.sort()).toEqual(['indexing.exclude', 'search.path_priors', 'watch.debounce_ms']);
    expect(change.restart.sort()).toEqual(['embedding.provider', 'http_pool.max_connections', 'indexing.chunk_tokens']);
    expect(configChange(before, parse({ indexing: { exclude: ['a/'] } }))).toEqual({ live: [], restart: [] });
  });

  it('takes the live settings and keeps what needs a restart as it was', () => {
    const before = parse({ indexing: { exclude: ['a/'], chunk_tokens: 512 } });
    const after = parse({ indexing: { exclude: ['b/'], chunk_tokens: 256, parser: 'wasm' }, embedding: { provider: 'voyage' }, watch: { debounce_ms: 50 } });
    const merged = liveConfig(before, after);
    expect(merged.indexing.exclude).toEqual(['b/']);
    expect(merged.watch.debounce_ms).toBe(50);
    expect(merged.indexing.chunk_tokens).toBe(512);
    expect(merged.indexing.parser).toBe('auto');
    expect(merged.embedding.provider).toBe(before.embedding.provider);
    expect(before.indexing.exclude).toEqual(['a/']); // not changed in place
  });
});
