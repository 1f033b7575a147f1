/**
 * cw init: a first configuration a new user can read and an editor can check, whose schema
 * reference resolves in this repository (and again in a fresh clone once cw runs there).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configJsonSchemaText } from '../../src/config/json-schema.js';
import { assertBuilt, cleanEnv, onlyJson, runCli } from './cli-harness.js';

beforeAll(assertBuilt);

let repo: string;
beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'cw-init-'));
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('cw init', () => {
  it('writes a commented YAML config whose schema reference resolves, that cw reads as written', async () => {
    const res = await runCli(['init', repo, '--provider', 'voyage'], { env: cleanEnv() });
    expect(res.code, res.stderr).toBe(0);
    const file = path.join(repo, 'codeweaver.config.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(5);
    expect(text).toContain('VOYAGE_API_KEY');
    const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)![1]!;
    const schemaPath = path.resolve(repo, ref);
    expect(readFileSync(schemaPath, 'utf8')).toBe(configJsonSchemaText());
    expect(res.stdout).toMatch(/next:\n\s+cw index/);

    const config = onlyJson(await runCli(['config', repo, '--json'], { env: cleanEnv() }));
    expect(config.file).toBe(file);
    expect(config.config.embedding.provider).toBe('voyage');

    const again = await runCli(['init', repo], { env: cleanEnv() });
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`cw: error: ${file} already exists — edit it (cw config shows what it resolves to), or remove it to start again`);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('--format json: a $schema key the JSON Schema itself accepts; a fresh clone gets the schema back from cw index', async () => {
    await writeFile(path.join(repo, 'a.ts'), 'export const a = 1;\n');
    expect((await runCli(['init', repo, '--format', 'json'], { env: cleanEnv() })).code).toBe(0);
    const doc = JSON.parse(readFileSync(path.join(repo, 'codeweaver.config.json'), 'utf8'));
    const schemaPath = path.resolve(repo, doc.$schema);
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);

    await unlink(schemaPath); // as a clone has it: the config, not .codeweaver/
    expect((await runCli(['index', repo], { env: cleanEnv() })).code).toBe(0);
    expect(readFileSync(schemaPath, 'utf8')).toBe(configJsonSchemaText());
    // The config and the schema are the tool's, not the user's code: neither is indexed.
    const found = onlyJson(await runCli(['search', 'embedded', '--path', repo, '--json'], { env: cleanEnv() }));
    expect(found.results.map((r: { path: string }) => r.path)).not.toContain('codeweaver.config.json');
  });

  it('refuses an unmarked home directory, writing nothing', async () => {
    const res = await runCli(['init'], { cwd: repo, env: cleanEnv({ HOME: repo }) });
    expect(res.code).toBe(2);
    expect(existsSync(path.join(repo, 'codeweaver.config.yaml'))).toBe(false);
  });
});
