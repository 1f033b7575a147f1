// The session ranks the same way for every front end: what a search returns, end to end, from
// a real index (lexical default) of a small repository.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Session } from '../../src/session/session.js';

let dir: string;
let session: Session | null = null;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cw-ranking-'));
});
afterEach(async () => {
  await session?.close();
  session = null;
  await rm(dir, { recursive: true, force: true });
});

async function open(config: object = {}): Promise<Session> {
  const env = {};
  // Small chunks: each function below is a chunk of its own.
  await writeFile(path.join(dir, 'codeweaver.config.json'), JSON.stringify({ indexing: { chunk_tokens: 64 }, ...config }));
  const loaded = await loadConfig({ searchFrom: dir, env });
  session = new Session({ root: dir, loaded, env });
  return session;
}

describe('search ranking', () => {
  it('does not let one file fill the page while another file matches', async () => {
    // backoff.py matches "retry backoff" in every function, and better than jitter.py does.
    const fn = (i: number) =>
      `def retry_backoff_${i}(attempt):\n    """Retry with backoff: retry backoff delay for attempt ${i}."""\n    retry = backoff(attempt) * ${i}\n    return retry\n\n`;
    await writeFile(path.join(dir, 'backoff.py'), Array.from({ length: 8 }, (_, i) => fn(i)).join(''));
    await writeFile(path.join(dir, 'jitter.py'), 'def jitter(delay):\n    """Spread the retry backoff delay so clients do not retry in step."""\n    return delay * random()\n');
    const s = await open();
    await s.index();
    const { hits } = await s.search({ query: 'retry backoff', limit: 4 });
    const files = hits.map((h) => h.path);
    expect(files).toContain('jitter.py');
    expect(files.filter((f) => f === 'backoff.py').length).toBeGreaterThan(1);
    // With nothing else matching, one file may fill the page.
    const alone = await s.search({ query: 'retry backoff', limit: 4, include: ['backoff.py'] });
    expect(alone.hits.map((h) => h.path)).toEqual(['backoff.py', 'backoff.py', 'backoff.py', 'backoff.py']);
  });

  it('ranks tests below code by default, and like code with search.path_priors.test = 1', async () => {
    await mkdir(path.join(dir, 'tests'));
    await writeFile(path.join(dir, 'tests', 'test_backoff.py'), 'def test_backoff_delay():\n    # backoff delay doubles: backoff delay of attempt 2\n    assert backoff_delay(2) == 4\n');
    await writeFile(path.join(dir, 'backoff.py'), 'def backoff_delay(attempt):\n    return 2 ** attempt\n');
    const first = async (config: object) => {
      const s = await open(config);
      await s.index();
      const { hits } = await s.search({ query: 'backoff delay', limit: 2 });
      await s.close();
      session = null;
      return hits[0]!.path;
    };
    expect(await first({})).toBe('backoff.py');
    expect(await first({ search: { path_priors: { test: 1 } } })).toBe('tests/test_backoff.py');
  });
});
