import { Agent, Pool, type Client, type Dispatcher, type buildConnector } from 'undici';
import { agentOptions, type ExtraCa } from './agent-options.js';
import { MAX_STREAMS_PER_CONNECTION, TrackedClient, type OriginMemory } from './tracked-client.js';
import { TrackedRequest, type LegacyHandler, type RequestContext } from './tracked-request.js';

type Connector = buildConnector.connector;

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
        const memory: OriginMemory = { protocol: null, streams: MAX_STREAMS_PER_CONNECTION };
        const h2 = ctx.settings.enable_http2 && new URL(String(origin)).protocol === 'https:';
        const pool: Pool = new Pool(origin, {
          ...(options as Pool.Options),
          factory: (o, clientOptions) =>
            new TrackedClient(o, clientOptions as Client.Options & { connect: Connector }, { stats: ctx.stats, memory, pool: () => pool, h2 }),
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

  /**
   * undici's fetch gives the dispatcher the request body's source (the string or bytes, of
   * known length) only when the dispatcher says `isMockActive`; otherwise an async generator
   * over it. HTTP/2 will not run a request with a generator body beside others (undici's
   * client-h2 `busy()`), so this Agent asks for the source. Nothing else reads the flag.
   *
   * Its way out: undici 8 fixes this upstream (nodejs/undici#4143, #5362, #5135, #5391) but
   * needs Node 22; once `engines.node` is >= 22, move to undici 8 and delete this getter.
   */
  get isMockActive(): boolean {
    return true;
  }

  /**
   * Every request is dispatched as idempotent: undici runs a non-idempotent request (any POST)
   * alone on an HTTP/2 connection. Embedding requests are idempotent where it matters — the same
   * texts give the same vectors — and our retry layer already replays them.
   */
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch({ ...options, idempotent: true }, isLegacy(handler) ? new TrackedRequest(handler, this.#ctx) : handler);
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
