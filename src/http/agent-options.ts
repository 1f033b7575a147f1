import { rootCertificates } from 'node:tls';
import { buildConnector } from 'undici';
import type { HttpPoolSettings } from '../config/schema.js';

/**
 * How `http_pool` settings (httpx-style names, seconds) map onto undici 7.
 *
 * | setting                   | undici                                   | enforced by |
 * |---------------------------|------------------------------------------|-------------|
 * | max_connections           | Agent `connections` (per origin)         | undici      |
 * | keepalive_expiry          | `keepAliveTimeout` + `keepAliveMaxTimeout`| undici      |
 * | connect_timeout           | connector `timeout` (TCP + TLS handshake)| undici      |
 * | read_timeout              | `headersTimeout` + `bodyTimeout`         | undici      |
 * | enable_http2              | `allowH2` (ALPN, TLS origins only), and  | undici, and |
 * |                           | per-connection `pipelining` = the streams| us: tracked-client.ts |
 * |                           | the server allows (multiplexing)         |             |
 * | pool_timeout              | none in undici                           | us: tracked-request.ts |
 * | write_timeout             | none in undici                           | us: tracked-request.ts |
 * | max_keepalive_connections | none in undici                           | NOT enforced |
 *
 * Notes, honestly:
 * - `connections` counts undici Clients per origin; each holds one socket (HTTP/1.1, no
 *   pipelining) or one HTTP/2 session running up to the server's SETTINGS_MAX_CONCURRENT_STREAMS
 *   requests at once (capped at 100): the Pool opens another only when every session is full.
 * - keepalive_expiry is also the ceiling for a server's `Keep-Alive: timeout=` hint
 *   (`keepAliveMaxTimeout`), so a server cannot make us hold sockets longer. undici never
 *   accepts 0, so 0 becomes 1 ms: the socket closes as soon as it is idle.
 * - read_timeout: headersTimeout runs from the request being written until the response
 *   headers; bodyTimeout is the longest gap between body chunks (not the whole body).
 * - max_keepalive_connections is accepted for compatibility and ignored. undici has no
 *   separate idle cap: idle sockets are bounded by max_connections and closed after
 *   keepalive_expiry. A cap below the request concurrency makes the pool close sockets the
 *   next request needs (measured: httpx with 50 connections / 20 keep-alive opened 1,105
 *   connections for 1,280 requests at concurrency 64; an undici Agent of 50 opened 51), and
 *   trimming only while quiet would save a few idle sockets for at most keepalive_expiry
 *   seconds at the price of a TLS handshake per socket on the next burst.
 */
export function agentOptions(settings: HttpPoolSettings, ca: ExtraCa | undefined) {
  const ms = (seconds: number) => Math.max(1, Math.round(seconds * 1000));
  const keepAlive = ms(settings.keepalive_expiry);
  return {
    connections: settings.max_connections,
    keepAliveTimeout: keepAlive,
    keepAliveMaxTimeout: keepAlive,
    headersTimeout: ms(settings.read_timeout),
    bodyTimeout: ms(settings.read_timeout),
    allowH2: settings.enable_http2,
    connect: buildConnector({
      allowH2: settings.enable_http2,
      timeout: ms(settings.connect_timeout),
      // `ca` replaces Node's trust store, so extra CAs are added to the public roots.
      ...(ca === undefined ? {} : { ca: [...rootCertificates, ...[ca].flat()] }),
    }),
  };
}

export type ExtraCa = string | Buffer | Array<string | Buffer>;
