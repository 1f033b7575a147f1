import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpPoolSettings } from '../config/schema.js';
import { PoolTimeoutError, WriteTimeoutError, typedTimeout } from './errors.js';
import type { StatsRecorder } from './stats.js';

/**
 * The handler interface undici's core `Request` actually calls (fetch and undici.request
 * use it). undici's public types mark it deprecated and omit `onRequestSent`, which is the
 * one callback that says "the whole body is on the socket" — what write_timeout needs.
 */
export interface LegacyHandler {
  onConnect?(abort: (err?: Error) => void, context?: unknown): void;
  onResponseStarted?(): void;
  onHeaders?(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: string[] | null): void;
  onError?(err: Error): void;
  onUpgrade?(statusCode: number, headers: Buffer[] | string[] | null, socket: Duplex): void;
  onBodySent?(...args: unknown[]): void;
  onRequestSent?(): void;
}

export interface RequestContext {
  readonly name: string;
  readonly settings: Readonly<HttpPoolSettings>;
  readonly stats: StatsRecorder;
}

/** One socket slot of the pool (an undici Client): which socket it holds now and how used it is. */
export class ConnectionSlot {
  httpVersion = '1.1';
  #requestsOnSocket = 0;
  /** Requests handed to undici on this slot and not finished (running, or queued for its connection). */
  assigned = 0;
  /** Requests being written or answered on the connection right now: HTTP/2 streams, or the one HTTP/1.1 request. */
  #open = 0;

  constructor(private readonly stats: StatsRecorder) {}

  streamOpened(): void {
    this.stats.streamsOpen(++this.#open);
  }

  streamClosed(): void {
    this.#open--;
  }

  /** A new socket replaced the previous one (undici reconnects a Client after keep-alive expiry). */
  socketOpened(socket: Socket): void {
    this.httpVersion = (socket as Socket & { alpnProtocol?: string | false }).alpnProtocol === 'h2' ? '2' : '1.1';
    this.#requestsOnSocket = 0;
  }

  /** Counts one request written to the current socket; true when it was not the first. */
  claimForRequest(): boolean {
    return this.#requestsOnSocket++ > 0;
  }
}

type State = 'queued' | 'active' | 'done';

/**
 * Wraps one request's handler to time the two waits undici does not bound and to keep
 * the client's figures:
 *
 * - pool_timeout covers only the time queued for a connection slot: the timer starts at
 *   dispatch and stops when the pool hands the request to a Client (`acquire`, called by
 *   TrackedClient). Time spent opening that Client's socket is connect_timeout's, and
 *   time on the socket is read/write_timeout's, so each wait has exactly one bound.
 * - write_timeout covers the request being written: from undici calling `onConnect`
 *   (about to write on a socket) until `onRequestSent` (the last body chunk was accepted
 *   by the socket) or the response headers arrive. undici writes streamed bodies with
 *   backpressure, so a server that stops reading makes this wait grow; a body that fits
 *   in the socket buffers completes at once (as with any client's write timeout).
 */
export class TrackedRequest implements LegacyHandler {
  readonly #inner: LegacyHandler;
  readonly #ctx: RequestContext;
  #state: State = 'queued';
  #slot: ConnectionSlot | undefined;
  #poolTimer: NodeJS.Timeout | undefined;
  #writeTimer: NodeJS.Timeout | undefined;
  #counted = { socket: false, response: false };
  /** The slot whose connection runs this request (undici has it), until it finishes. */
  #runningOn: ConnectionSlot | undefined;
  #streamOpen = false;
  readonly #queuedSince = performance.now();

  constructor(inner: LegacyHandler, ctx: RequestContext) {
    this.#inner = inner;
    this.#ctx = ctx;
    ctx.stats.add('requests');
    ctx.stats.add('queued');
    this.#poolTimer = setTimeout(() => this.#onPoolTimeout(), toMs(ctx.settings.pool_timeout)).unref();
  }

  /** The pool gave this request a connection slot. False when it already gave up waiting. */
  acquire(slot: ConnectionSlot): boolean {
    if (this.#state === 'done') return false;
    if (this.#state === 'queued') {
      clearTimeout(this.#poolTimer);
      this.#state = 'active';
      this.#ctx.stats.add('queued', -1);
      this.#ctx.stats.add('in_flight');
    }
    this.#slot = slot;
    return true;
  }

  /** Handed to undici on this slot's connection. */
  runOn(slot: ConnectionSlot): void {
    this.#runningOn = slot;
    slot.assigned++;
  }

  /**
   * Sent back to the pool's queue by a connection that will not run it (it held the request
   * while learning what it speaks): pool_timeout bounds the wait again, from the first dispatch.
   */
  requeue(): void {
    if (this.#state !== 'active' || this.#runningOn) return;
    this.#state = 'queued';
    this.#ctx.stats.add('in_flight', -1);
    this.#ctx.stats.add('queued');
    const left = toMs(this.#ctx.settings.pool_timeout) - (performance.now() - this.#queuedSince);
    this.#poolTimer = setTimeout(() => this.#onPoolTimeout(), Math.max(1, left)).unref();
  }

  onConnect(abort: (err?: Error) => void, context?: unknown): void {
    if (this.#slot && !this.#streamOpen) {
      this.#streamOpen = true;
      this.#slot.streamOpened();
    }
    if (this.#slot && !this.#counted.socket) {
      this.#counted.socket = true;
      if (this.#slot.claimForRequest()) this.#ctx.stats.add('reused_requests');
    }
    clearTimeout(this.#writeTimer);
    const { name, settings } = this.#ctx;
    this.#writeTimer = setTimeout(
      () => abort(new WriteTimeoutError(name, settings.write_timeout)),
      toMs(settings.write_timeout),
    ).unref();
    this.#inner.onConnect?.(abort, context);
  }

  onBodySent(...args: unknown[]): void {
    this.#inner.onBodySent?.(...args);
  }

  onRequestSent(): void {
    clearTimeout(this.#writeTimer);
    this.#inner.onRequestSent?.();
  }

  onResponseStarted(): void {
    this.#inner.onResponseStarted?.();
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    clearTimeout(this.#writeTimer);
    if (statusCode >= 200 && !this.#counted.response) {
      this.#counted.response = true;
      this.#ctx.stats.response(this.#slot?.httpVersion ?? '1.1');
    }
    return this.#inner.onHeaders?.(statusCode, headers, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    return this.#inner.onData?.(chunk) ?? true;
  }

  onComplete(trailers: string[] | null): void {
    this.#finish(false);
    this.#inner.onComplete?.(trailers);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: Duplex): void {
    this.#finish(false);
    this.#inner.onUpgrade?.(statusCode, headers, socket);
  }

  onError(err: Error): void {
    // After a pool timeout the inner handler has its error; later ones (pool destroyed) are moot.
    if (this.#state === 'done') return;
    this.#finish(true);
    this.#inner.onError?.(typedTimeout(err, this.#ctx.name, this.#ctx.settings));
  }

  #onPoolTimeout(): void {
    if (this.#state !== 'queued') return;
    this.#ctx.stats.add('pool_timeouts');
    this.#finish(true);
    this.#inner.onError?.(new PoolTimeoutError(this.#ctx.name, this.#ctx.settings.pool_timeout));
  }

  #finish(failed: boolean): void {
    if (this.#state === 'done') return;
    if (this.#streamOpen) {
      this.#streamOpen = false;
      this.#slot?.streamClosed();
    }
    if (this.#runningOn) this.#runningOn.assigned--;
    this.#runningOn = undefined;
    clearTimeout(this.#poolTimer);
    clearTimeout(this.#writeTimer);
    if (this.#state === 'queued') this.#ctx.stats.add('queued', -1);
    if (this.#state === 'active') this.#ctx.stats.add('in_flight', -1);
    if (failed) this.#ctx.stats.add('failures');
    this.#state = 'done';
  }
}

export function toMs(seconds: number): number {
  return Math.max(1, Math.round(seconds * 1000));
}
