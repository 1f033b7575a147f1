import type { Socket } from 'node:net';
import type { HttpClientStats } from './types.js';

type Counter = Exclude<keyof HttpClientStats, 'http_versions' | 'bytes_sent' | 'bytes_received' | 'requests_per_connection' | 'peak_streams'>;

/**
 * One client's live figures. Counters are bumped by the dispatcher; bytes are read from
 * the sockets themselves (kernel-level counts, TLS records included), so they cover
 * headers and bodies exactly and cost nothing per request.
 */
export class StatsRecorder {
  readonly #counts: Record<Counter, number> = {
    requests: 0,
    responses: 0,
    failures: 0,
    connections_opened: 0,
    connections_closed: 0,
    reused_requests: 0,
    in_flight: 0,
    queued: 0,
    pool_timeouts: 0,
    goaways_received: 0,
  };
  #peakStreams = 0;
  readonly #versions: Record<string, number> = {};
  readonly #openSockets = new Set<Socket>();
  #closedBytesSent = 0;
  #closedBytesReceived = 0;

  add(counter: Counter, delta = 1): void {
    this.#counts[counter] += delta;
  }

  /** The high-water mark of requests open at once on one connection. */
  streamsOpen(value: number): void {
    if (value > this.#peakStreams) this.#peakStreams = value;
  }

  response(httpVersion: string): void {
    this.#counts.responses++;
    this.#versions[httpVersion] = (this.#versions[httpVersion] ?? 0) + 1;
  }

  socketOpened(socket: Socket): void {
    this.#openSockets.add(socket);
    socket.once('close', () => {
      this.#openSockets.delete(socket);
      this.#closedBytesSent += socket.bytesWritten;
      this.#closedBytesReceived += socket.bytesRead;
    });
  }

  snapshot(): HttpClientStats {
    let sent = this.#closedBytesSent;
    let received = this.#closedBytesReceived;
    for (const socket of this.#openSockets) {
      sent += socket.bytesWritten;
      received += socket.bytesRead;
    }
    const c = this.#counts;
    return {
      ...c,
      requests_per_connection: c.connections_opened === 0 ? 0 : Math.round((c.responses / c.connections_opened) * 100) / 100,
      peak_streams: this.#peakStreams,
      http_versions: { ...this.#versions },
      bytes_sent: sent,
      bytes_received: received,
    };
  }
}
