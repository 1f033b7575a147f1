import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigSchema, resolveHttpPoolSettings } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cw-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect(exitCodeOf(err)).toBe(2);
  return (err as ConfigError).problems;
}

describe('loadConfig', () => {
  it('accepts an empty file and applies every default', async () => {
    await writeFile(path.join(dir, 'codeweaver.config.json'), '{}');
    const { config, filepath } = await loadConfig({ searchFrom: dir, env: {} });
    expect(filepath).toBe(path.join(dir, 'codeweaver.config.json'));
    expect(config.embedding).toMatchObject({ provider: 'local', batch_size: 128, concurrency: 8 });
    expect(config.store).toMatchObject({ kind: 'embedded', path: '.codeweaver/index.sqlite', api_key_env: 'QDRANT_API_KEY' });
    expect(config.indexing).toMatchObject({ max_file_size: 1_048_576, chunk_tokens: 512, respect_gitignore: true });
  });

  it('finds the file upwards from a subdirectory, in YAML too', async () => {
    await writeFile(path.join(dir, '.codeweaverrc.yaml'), 'embedding:\n  concurrency: 3\n');
    const sub = path.join(dir, 'a', 'b');
    await mkdir(sub, { recursive: true });
    const { config, filepath, origins } = await loadConfig({ searchFrom: sub, env: {} });
    expect(filepath).toBe(path.join(dir, '.codeweaverrc.yaml'));
    expect(config.embedding.concurrency).toBe(3);
    expect(origins['embedding.concurrency']).toContain('.codeweaverrc.yaml');
  });

  it('reads package.json#codeweaver', async () => {
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', codeweaver: { store: { kind: 'qdrant' } } }));
    const { config } = await loadConfig({ searchFrom: dir, env: {} });
    expect(config.store.kind).toBe('qdrant');
  });

  it('--config overrides the search; a missing file is a clear error', async () => {
    await writeFile(path.join(dir, 'codeweaver.config.json'), JSON.stringify({ embedding: { concurrency: 2 } }));
    const other = path.join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ embedding: { concurrency: 5 } }));
    const { config } = await loadConfig({ searchFrom: dir, configFile: other, env: {} });
    expect(config.embedding.concurrency).toBe(5);
    const problems = await problemsOf(loadConfig({ searchFrom: dir, configFile: path.join(dir, 'nope.json'), env: {} }));
    expect(problems).toEqual([expect.stringMatching(/nope\.json: no such file/)]);
  });

  it('flags override the file, QDRANT_URL supplies the store URL, and origins say so', async () => {
    await writeFile(
      path.join(dir, 'codeweaver.config.json'),
      JSON.stringify({ embedding: { provider: 'voyage', concurrency: 2 }, store: { url: 'http://file:1' } }),
    );
    const { config, origins } = await loadConfig({
      searchFrom: dir,
      env: { QDRANT_URL: 'http://env:2' },
      flags: { provider: 'cohere', concurrency: 9 },
    });
    expect(config.embedding.provider).toBe('cohere');
    expect(config.embedding.concurrency).toBe(9);
    expect(config.store.url).toBe('http://env:2');
    expect(origins).toMatchObject({
      'embedding.provider': 'flag --provider',
      'embedding.concurrency': 'flag --concurrency',
      'store.url': 'env QDRANT_URL',
    });
  });

  it('rejects unknown keys, wrong types and out-of-range numbers with one line per problem naming file, key and what is allowed', async () => {
    await writeFile(
      path.join(dir, 'codeweaver.config.json'),
      JSON.stringify({
        http_pool: { max_conections: 5, read_timeout: 'slow', providers: { voyage: { max_connections: 0 } } },
        embedding: { provider: 'openaii' },
        indexing: { respect_gitignore: 'yes' },
      }),
    );
    const problems = await problemsOf(loadConfig({ searchFrom: dir, env: {} }));
    expect(problems).toHaveLength(5);
    for (const p of problems) expect(p).toMatch(/^\S*codeweaver\.config\.json: /);
    expect(problems).toContainEqual(expect.stringMatching(/unknown key "http_pool\.max_conections" — allowed here: max_connections, /));
    expect(problems).toContainEqual(expect.stringMatching(/http_pool\.read_timeout: expected number, got the string "slow"/));
    expect(problems).toContainEqual(expect.stringMatching(/http_pool\.providers\.voyage\.max_connections: must be ≥ 1 \(got 0\)/));
    expect(problems).toContainEqual(expect.stringMatching(/embedding\.provider: must be one of local, voyage, cohere, .*openai-compatible, onnx \(got "openaii"\)/));
    expect(problems).toContainEqual(expect.stringMatching(/indexing\.respect_gitignore: expected boolean/));
  });

  it('refuses a client name under http_pool.providers that no client has (a typo), naming the ones that exist', async () => {
    await writeFile(
      path.join(dir, 'codeweaver.config.json'),
      JSON.stringify({ http_pool: { providers: { voyag: { max_connections: 4 }, qdrant: { read_timeout: 5 } } } }),
    );
    const problems = await problemsOf(loadConfig({ searchFrom: dir, env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/unknown key "http_pool\.providers\.voyag" — allowed here: voyage, cohere, .*qdrant$/);
  });

  it('refuses a base_url on a port fetch blocks (:9), saying why, where a run would only say "fetch failed"', async () => {
    await writeFile(path.join(dir, 'codeweaver.config.json'), JSON.stringify({ embedding: { provider: 'voyage', base_url: 'http://127.0.0.1:9/v1' } }));
    const problems = await problemsOf(loadConfig({ searchFrom: dir, env: {} }));
    expect(problems).toEqual([expect.stringMatching(/embedding\.base_url: port 9 is one HTTP clients refuse to connect to .* — serve the API on another port$/)]);
    await writeFile(path.join(dir, 'codeweaver.config.json'), JSON.stringify({ embedding: { provider: 'voyage', base_url: 'http://127.0.0.1:8009/v1' } }));
    await expect(loadConfig({ searchFrom: dir, env: {} })).resolves.toBeDefined();
  });

  it('blames the flag, not the file, for a bad flag value', async () => {
    const problems = await problemsOf(loadConfig({ searchFrom: dir, env: {}, flags: { qdrantUrl: 'not a url' } }));
    expect(problems).toEqual([expect.stringMatching(/^flag --qdrant-url: store\.url: must be a valid URL/)]);
  });

  it('reports a syntax error as one line naming the file once, with the line, column and the parser\'s reason', async () => {
    await writeFile(path.join(dir, 'codeweaver.config.json'), '{\n  "embedding": {\n    "provider": "voyage",,\n  }\n}\n');
    const problems = await problemsOf(loadConfig({ searchFrom: dir, env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\/.*codeweaver\.config\.json:3:26: Expected double-quoted property name — fix the syntax$/);
    expect(problems[0]!.split('codeweaver.config.json')).toHaveLength(2); // the path once

    await rm(path.join(dir, 'codeweaver.config.json'));
    await writeFile(path.join(dir, '.codeweaverrc.yaml'), 'embedding:\n  provider: [voyage\n');
    const yaml = await problemsOf(loadConfig({ searchFrom: dir, env: {} }));
    expect(yaml[0]).toMatch(/\.codeweaverrc\.yaml:3:1: unexpected end of the stream within a flow collection — fix the syntax$/);
  });
});

describe('HTTP pool settings', () => {
  it('layers built-in, provider, top-level and per-provider values', () => {
    const none = ConfigSchema.parse({}).http_pool;
    expect(resolveHttpPoolSettings(none, 'qdrant')).toEqual({
      max_connections: 100,
      max_keepalive_connections: 20,
      keepalive_expiry: 5,
      connect_timeout: 10,
      read_timeout: 60,
      write_timeout: 10,
      pool_timeout: 5,
      enable_http2: true,
    });
    expect(resolveHttpPoolSettings(none, 'voyage', { providerDefaults: true })).toMatchObject({ max_connections: 50, read_timeout: 90 });
    const user = ConfigSchema.parse({
      http_pool: { max_connections: 30, providers: { voyage: { read_timeout: 120 } } },
    }).http_pool;
    expect(resolveHttpPoolSettings(user, 'voyage', { providerDefaults: true })).toMatchObject({ max_connections: 30, read_timeout: 120 });
    expect(resolveHttpPoolSettings(user, 'cohere', { providerDefaults: true })).toMatchObject({ max_connections: 30, read_timeout: 90 });
  });
});

describe('JSON Schema', () => {
  const root = path.resolve(import.meta.dirname, '../..');

  it('codeweaver.schema.json is in sync with the zod schema (run `npm run schema` after changing it)', async () => {
    const committed = JSON.parse(await readFile(path.join(root, 'codeweaver.schema.json'), 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });

  it('codeweaver.config.example.json is valid for both the JSON Schema and zod, and references the schema', async () => {
    const example = JSON.parse(await readFile(path.join(root, 'codeweaver.config.example.json'), 'utf8'));
    expect(example.$schema).toBe('./codeweaver.schema.json');
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(configJsonSchema());
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(ConfigSchema.safeParse(example).success).toBe(true);
    // The JSON Schema must reject what zod rejects, or editors would mislead users.
    expect(validate({ http_pool: { max_connections: 0 } })).toBe(false);
    expect(validate({ embedding: { provider: 'nope' } })).toBe(false);
    expect(validate({ unknown: 1 })).toBe(false);
  });
});
