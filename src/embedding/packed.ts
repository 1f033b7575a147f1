import { HttpStatusError } from '../http/retry.js';

/**
 * Whether to ask a provider for packed vectors (base64 of their float32 bytes), for one wire:
 * on until the endpoint refuses that once — a 400 or 422 naming the field (an older model, a
 * compatible server that does not know it). The refused request is sent again unpacked, and
 * every later one is sent unpacked from the start.
 */
export class PackedVectors {
  #on: boolean;

  constructor(on: boolean) {
    this.#on = on;
  }

  async send<T>(attempt: (packed: boolean) => Promise<T>): Promise<T> {
    const packed = this.#on;
    try {
      return await attempt(packed);
    } catch (err) {
      if (!packed || !refusesPacking(err)) throw err;
      const result = await attempt(false);
      this.#on = false;
      return result;
    }
  }
}

function refusesPacking(err: unknown): boolean {
  return err instanceof HttpStatusError && (err.status === 400 || err.status === 422) && /encoding_format|base64|embedding_types/i.test(err.detail);
}
