import { Agent, Client, Pool, type Dispatcher, type buildConnector } from 'undici';
import { agentOptions, type ExtraCa } from './agent-options.js';
import type { StatsRecorder } from './stats.js';
import { ConnectionSlot, TrackedRequest, type LegacyHandler, type RequestContext } from './tracked-request.js';

type Connector = buildConnector.connector;

/**
 * One undici Client (one socket slot of a per-origin Pool) that tells each request when it
 * leaves the pool's queue, and records the sockets it opens. undici's Pool calls
 * `dispatch` exactly when it hands a queued request to a Client, which makes this the
 * reliable end of the pool_timeout wait.
 */
class TrackedClient extends Client {
  readonly #slot: ConnectionSlot;

  constructor(origin: string | URL, options: Client.Options & { connect: Connector }, stats: StatsRecorder) {
    const slot = new ConnectionSlot();
    const connect = options.connect;
    super(origin, {
      ...options,
      connect: (opts, callback) =>
        connect(opts, (...result) => {
          const socket = result[1];
          if (socket) {
            slot.socketOpened(socket);
            stats.socketOpened(socket);
          }
          callback(...result);
        }),
    });
    this.#slot = slot;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // A request that already gave up waiting (pool_timeout) must not take the slot.
    if (handler instanceof TrackedRequest && !handler.acquire(this.#slot)) return true;
    return super.dispatch(options, handler);
  }
}

/**
 * The Agent of one named client: undici's Agent with every per-origin Pool built from
 * TrackedClients, and every request wrapped in a TrackedRequest. Whoever uses it —
 * `HttpClient.fetch`, undici.request, an SDK given it as dispatcher — gets the same
 * timeouts, typed errors and figures.
 */
export class PooledAgent extends Agent {
  readonly #ctx: RequestContext;
  readonly #pools: Set<Pool>;

  constructor(ctx: RequestContext, ca: ExtraCa | undefined) {
    const pools = new Set<Pool>();
    super({
      ...agentOptions(ctx.settings, ca),
      factory: (origin, options) => {
        for (const old of pools) if (old.destroyed) pools.delete(old);
        const pool = new Pool(origin, {
          ...(options as Pool.Options),
          factory: (o, clientOptions) => new TrackedClient(o, clientOptions as Client.Options & { connect: Connector }, ctx.stats),
        });
        pools.add(pool);
        return pool;
      },
    });
    this.#ctx = ctx;
    this.#pools = pools;
    this.on('connect', () => ctx.stats.add('connections_opened'));
    this.on('disconnect', () => ctx.stats.add('connections_closed'));
  }

  /**
   * Destroys the Agent and every per-origin Pool it made, now. Needed because undici's
   * Agent.close() forgets its Pools as it starts closing them, so a later Agent.destroy()
   * would leave busy sockets open until their requests end.
   */
  async destroyNow(): Promise<void> {
    await Promise.all([this.destroy(), ...[...this.#pools].map((pool) => pool.destroy())]);
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch(options, isLegacy(handler) ? new TrackedRequest(handler, this.#ctx) : handler);
  }
}

/**
 * Handlers written to undici's newer controller API (onRequestStart…, used by composed
 * interceptors) pass through untracked: undici converts them below this layer, and
 * fetch, undici.request and every SDK we feed use the legacy shape.
 */
function isLegacy(handler: Dispatcher.DispatchHandler): handler is Dispatcher.DispatchHandler & LegacyHandler {
  return typeof handler.onRequestStart !== 'function';
}
