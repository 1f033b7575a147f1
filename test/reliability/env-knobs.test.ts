/**
 * Every CODEWEAVER_* knob is validated before anything is written (issue 31): a bad value is one
 * line naming the variable, exit 2, and no index, directory or lock left behind.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnvKnobs } from '../../src/config/env.js';
import { ConfigError } from '../../src/errors.js';
import { assertBuilt, cleanEnv, runCli } from '../e2e/cli-harness.js';
import { CORPORA, makeRepo, workDir } from './harness.js';

let work: Awaited<ReturnType<typeof workDir>>;
beforeAll(async () => {
  assertBuilt();
  work = await workDir('env-knobs');
});
afterAll(() => work.cleanup());

describe('CODEWEAVER_* knobs', () => {
  it.each([
    ['CODEWEAVER_CHUNK_THREADS', '-1', /CODEWEAVER_CHUNK_THREADS: expected a whole number from 0 to 64, got "-1"/],
    ['CODEWEAVER_CHUNK_THREADS', '2.5', /CODEWEAVER_CHUNK_THREADS: expected a whole number/],
    ['CODEWEAVER_GRACE_SECONDS', 'soon', /CODEWEAVER_GRACE_SECONDS: expected a number of seconds above 0 .*got "soon"/],
    ['CODEWEAVER_PROGRESS_SECONDS', '-3', /CODEWEAVER_PROGRESS_SECONDS: expected a number of seconds above 0 .*got "-3"/],
    ['CODEWEAVER_WRITE_THREAD', 'maybe', /CODEWEAVER_WRITE_THREAD: expected on, off or auto, got "maybe"/],
  ])('%s=%s: one line, exit 2, nothing created', async (name, value, says) => {
    const repo = await makeRepo(work.dir, CORPORA.small);
    for (const args of [['index', repo], ['index', repo, '--json'], ['search', 'retry', '-p', repo], ['status', repo]]) {
      const res = await runCli(args, { env: cleanEnv({ [name]: value }) });
      expect(res.code, args.join(' ')).toBe(2);
      const lines = res.stderr.trim().split('\n');
      expect(lines, res.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(says);
      if (args.includes('--json')) expect(JSON.parse(res.stdout).error.exit_code).toBe(2);
      expect(existsSync(path.join(repo, '.codeweaver')), `${args.join(' ')}: ${readdirSync(repo)}`).toBe(false);
    }
  });

  it('reads good values, the documented spellings, and unset or blank as the defaults', () => {
    expect(readEnvKnobs({})).toEqual({ chunkThreads: 0, writeThread: 'auto', graceSeconds: null, progressSeconds: null, debug: false, sqliteVec: true });
    expect(
      readEnvKnobs({ CODEWEAVER_CHUNK_THREADS: '3', CODEWEAVER_WRITE_THREAD: '1', CODEWEAVER_GRACE_SECONDS: '2.5', CODEWEAVER_PROGRESS_SECONDS: ' ', CODEWEAVER_DEBUG: 'yes' }),
    ).toEqual({ chunkThreads: 3, writeThread: 'on', graceSeconds: 2.5, progressSeconds: null, debug: true, sqliteVec: true });
    expect(readEnvKnobs({ CODEWEAVER_WRITE_THREAD: '0' }).writeThread).toBe('off');
    // Every bad knob is named, one line each.
    try {
      readEnvKnobs({ CODEWEAVER_CHUNK_THREADS: 'x', CODEWEAVER_GRACE_SECONDS: '0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['CODEWEAVER_CHUNK_THREADS', 'CODEWEAVER_GRACE_SECONDS']);
    }
  });
});
