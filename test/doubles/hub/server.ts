/**
 * A loopback Hugging Face hub in its URL layout and headers, as huggingface_hub and
 * transformers.js read them:
 *   HEAD|GET /{org}/{name}/resolve/{revision}/{path}
 *     a file kept in git:  200, ETag "<git blob sha1>", X-Repo-Commit, Content-Length (GET: the bytes)
 *     an LFS file:         302 Location /cdn/<sha256>, X-Linked-Etag "<sha256>", X-Linked-Size, X-Repo-Commit
 *     unknown file / rev:  404 with X-Error-Code EntryNotFound / RevisionNotFound
 *     gated, no token:     401
 *   GET /cdn/<sha256>      the bytes (on a second origin, as the hub's CDN is); a Range request gets 206 and Content-Range
 * Faults for tests: cut a download after some bytes (the socket destroyed mid-body), or serve
 * corrupted bytes, for the next N downloads.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface HubServer {
  origin: string;
  commit: string;
  readonly requests: HubRequest[];
  /**
   * The next `times` downloads (GET of bytes) stall after `bytes` bytes: the rest never comes, as
   * on a dropped connection, until the client's read timeout gives up. (A cut by close or reset
   * would race the client's reading: fetch's body stream drops what it had queued when it errors.)
   */
  stallDownloads(bytes: number, times?: number): void;
  /** The next `times` downloads send bytes that do not hash to the stated hash. */
  corruptDownloads(times?: number): void;
  close(): Promise<void>;
}

/** Files above this size are LFS files (as a model's weights are); smaller ones live in git. */
const LFS_FROM = 1024;

export async function startHubServer(repo: string, files: Record<string, Buffer>, options: { token?: string } = {}): Promise<HubServer> {
  const commit = createHash('sha1').update(`${repo}@${Object.keys(files).join(',')}`).digest('hex');
  const byName = new Map(Object.entries(files));
  const bySha = new Map([...byName.values()].map((b) => [createHash('sha256').update(b).digest('hex'), b]));
  const requests: HubRequest[] = [];
  let cut: { bytes: number; times: number } = { bytes: 0, times: 0 };
  let corrupt = 0;
  let cdnOrigin = '';

  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://hub');
    if (options.token && url.pathname.startsWith(`/${repo}/`) && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end('{"error":"Access to model is restricted"}');
      return;
    }
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn) return sendBytes(req, res, bySha.get(cdn[1]!));
    const resolve = new RegExp(`^/${repo.replace('/', '\\/')}/resolve/([^/]+)/(.+)$`).exec(url.pathname);
    if (!resolve) return void res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end();
    const [revision, file] = [decodeURIComponent(resolve[1]!), resolve[2]!.split('/').map(decodeURIComponent).join('/')];
    if (revision !== 'main' && revision !== commit) return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end();
    const bytes = byName.get(file);
    if (!bytes) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
    if (bytes.length >= LFS_FROM) {
      const sha = createHash('sha256').update(bytes).digest('hex');
      res.writeHead(302, { location: `${cdnOrigin}/cdn/${sha}`, 'x-repo-commit': commit, 'x-linked-etag': `"${sha}"`, 'x-linked-size': String(bytes.length), etag: `"${sha.slice(0, 40)}"` }).end();
      return;
    }
    const gitSha = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    res.writeHead(200, { etag: `"${gitSha}"`, 'x-repo-commit': commit, 'content-length': String(bytes.length) });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });

  function sendBytes(req: http.IncomingMessage, res: http.ServerResponse, found: Buffer | undefined): void {
    if (!found) return void res.writeHead(404).end();
    let body = found;
    if (corrupt > 0) {
      corrupt--;
      body = Buffer.from(found);
      body[body.length >> 1] ^= 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const part = body.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-length': String(part.length),
      ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    if (cut.times > 0 && cut.bytes < part.length) {
      cut.times--;
      res.write(part.subarray(0, cut.bytes));
      return; // and nothing more: closed with the server
    }
    res.end(part);
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The CDN: the same handler on another port, so another origin (a token must not follow a redirect there).
  const cdnServer = http.createServer((req, res) => server.emit('request', req, res));
  await new Promise<void>((r) => cdnServer.listen(0, '127.0.0.1', r));
  cdnOrigin = `http://127.0.0.1:${(cdnServer.address() as AddressInfo).port}`;
  return {
    origin,
    commit,
    requests,
    stallDownloads: (bytes, times = 1) => {
      cut = { bytes, times };
    },
    corruptDownloads: (times = 1) => {
      corrupt = times;
    },
    close: async () => {
      for (const s of [server, cdnServer]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
}
