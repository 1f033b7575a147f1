import { describe, expect, it } from 'vitest';
import { HttpClientPool } from '../../src/http/pool.js';
import { Holding, httpServer, timed, useTeardown } from './loopback.js';

const server = useTeardown();
const newPool = () => server(new HttpClientPool({ keepalive_expiry: 60 }));

describe('HttpClientPool.closeAll', () => {
  it('closes every idle socket of every client', async () => {
    const s = server(await httpServer((_req, res) => res.end('ok')));
    const pool = newPool();
    const clients = [pool.getClient('voyage', { max_connections: 2 }), pool.getClient('qdrant', { max_connections: 2 })];
    for (const c of clients) {
      await Promise.all([1, 2].map(() => c.fetch(s.url).then((r) => r.text())));
    }
    const opened = s.accepted.length;
    expect(opened).toBeGreaterThanOrEqual(2);
    await pool.closeAll();
    await Promise.all(s.accepted.map((a) => a.closed));
    const stats = pool.stats();
    const total = (key: 'connections_opened' | 'connections_closed') => stats.voyage[key] + stats.qdrant[key];
    expect(total('connections_opened')).toBe(opened);
    expect(total('connections_closed')).toBe(opened);
  });

  it('lets an in-flight request finish before the deadline', async () => {
    const holding = new Holding();
    const s = server(await httpServer(holding.handler));
    const pool = newPool();
    const response = pool.getClient('voyage').fetch(s.url);
    const held = await holding.next();
    // An hour's deadline: closing ends only because the request finished.
    const closing = pool.closeAll(3_600_000);
    held.res.end('finished');
    expect(await (await response).text()).toBe('finished');
    await closing;
    await s.accepted[0].closed;
  });

  it('destroys sockets still busy at the deadline; the request fails', async () => {
    const holding = new Holding();
    const s = server(await httpServer(holding.handler));
    const pool = newPool();
    // The request is held for ever and its read timeout is an hour: only the deadline ends it.
    const response = pool.getClient('voyage', { read_timeout: 3600 }).fetch(s.url);
    await holding.next();
    const { seconds } = await timed(() => pool.closeAll(300));
    expect(seconds).toBeGreaterThanOrEqual(0.25);
    await expect(response).rejects.toThrow();
    await s.accepted[0].closed;
  });

  it('is idempotent and shuts getClient', async () => {
    const pool = newPool();
    pool.getClient('voyage');
    const first = pool.closeAll();
    expect(pool.closeAll()).toBe(first);
    await first;
    expect(() => pool.getClient('cohere')).toThrow(/after the pool was closed/);
  });

  it('keeps closing the other clients when one fails, and reports it', async () => {
    const warnings: string[] = [];
    const s = server(await httpServer((_req, res) => res.end('ok')));
    const pool = server(new HttpClientPool({ keepalive_expiry: 60 }, { onWarning: (m) => warnings.push(m) }));
    const broken = pool.getClient('broken');
    const healthy = pool.getClient('healthy');
    await (await healthy.fetch(s.url)).text();
    await broken.dispatcher.destroy(); // closing a destroyed Agent rejects
    await pool.closeAll();
    await s.accepted[0].closed;
    expect(healthy.stats().connections_closed).toBe(1);
    expect(warnings).toEqual([expect.stringContaining('could not close client "broken"')]);
  });
});

describe('HttpClientPool.destroyAll', () => {
  it('then closeAll (a second Ctrl-C, then the session closing): nothing to warn about, no "client is destroyed"', async () => {
    const warnings: string[] = [];
    const holding = new Holding();
    const s = server(await httpServer(holding.handler));
    const pool = server(new HttpClientPool({}, { onWarning: (m) => warnings.push(m) }));
    const response = pool.getClient('voyage').fetch(s.url);
    await holding.next();
    await pool.destroyAll(); // the second Ctrl-C cuts the request
    await expect(response).rejects.toThrow();
    await pool.closeAll(); // the session closing after it
    expect(warnings).toEqual([]);
  });


  it('fails in-flight requests at once and closes their sockets', async () => {
    const holding = new Holding();
    const s = server(await httpServer(holding.handler));
    const pool = newPool();
    const response = pool.getClient('voyage').fetch(s.url);
    await holding.next();
    // The request is held for ever: destroyAll ending at all is the point.
    await pool.destroyAll();
    await expect(response).rejects.toThrow();
    await s.accepted[0].closed;
  });
});
