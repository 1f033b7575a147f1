// Memory of the MCP HTTP server (dist/mcp/http.js, in this process) under a flood of client
// sessions that are abandoned (initialize, one tools/list, never DELETE) or deleted: V8's heap
// after a full GC before the flood, right after it, and once idle sessions have expired. The
// heap, not RSS: glibc keeps freed pages, so RSS stays near its peak either way. Run by hand:
//   npm run build && node --expose-gc bench/mcp-sessions-bench.mjs [repo] [sessions=2000] [idle-seconds=2]
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../dist/config/load.js';
import { serveHttp } from '../dist/mcp/http.js';
import { Session } from '../dist/session/session.js';

if (!global.gc) throw new Error('run with node --expose-gc');
const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
const count = Number(process.argv[3] ?? 2000);
const idle = Number(process.argv[4] ?? 2);
const session = new Session({ root, loaded: await loadConfig({ searchFrom: root, env: {}, flags: {} }), env: {} });
const serving = await serveHttp({ session, version: 'bench', watching: () => false, host: '127.0.0.1', port: 0, idleTimeoutMs: idle * 1000, maxSessions: count + 10 });
const H = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } };

async function clientSession(del) {
  const res = await fetch(serving.url, { method: 'POST', headers: H, body: JSON.stringify(INIT) });
  await res.text();
  const id = res.headers.get('mcp-session-id');
  await (await fetch(serving.url, { method: 'POST', headers: { ...H, 'mcp-session-id': id }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) })).text();
  if (del) await (await fetch(serving.url, { method: 'DELETE', headers: { ...H, 'mcp-session-id': id } })).text();
}
const heapMiB = () => {
  global.gc();
  global.gc();
  return (process.memoryUsage().heapUsed / 2 ** 20).toFixed(1);
};

for (const del of [false, true]) {
  await clientSession(true); // what the first session loads
  const before = heapMiB();
  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => clientSession(del)));
  const flooded = heapMiB();
  await new Promise((r) => setTimeout(r, (idle + 2) * 1000));
  console.log(`${del ? 'deleted' : 'abandoned'}: ${count} sessions; heap MiB before ${before}, after the flood ${flooded}, ${idle + 2} s later ${heapMiB()}`);
}
await serving.close();
await session.close();
