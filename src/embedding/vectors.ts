import { MalformedResponseError, VectorCountMismatchError } from './errors.js';

/** One documented `{ index, embedding }` entry (OpenAI, Voyage, Heroku, Mistral…). */
export interface IndexedEmbedding {
  index?: unknown;
  embedding?: unknown;
}

/**
 * One embedding as a Float32Array: from a JSON number list, or from base64 of its little-endian
 * float32 bytes (`encoding_format: "base64"`), decoded with no per-number parsing.
 */
export function toVector(label: string, value: unknown): Float32Array {
  if (typeof value === 'string') return fromBase64(label, value);
  if (!Array.isArray(value)) throw new MalformedResponseError(label, 'an embedding is not an array of numbers');
  const out = new Float32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const x = value[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new MalformedResponseError(label, 'an embedding holds a non-number');
    out[i] = x;
  }
  return out;
}

function fromBase64(label: string, text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) throw new MalformedResponseError(label, 'a base64 embedding is not a whole number of float32s');
  // Copied out in one piece: the decoded Buffer may sit at an unaligned offset of a shared pool.
  const out = LITTLE_ENDIAN
    ? new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
    : Float32Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) throw new MalformedResponseError(label, 'an embedding holds a non-number');
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Puts vectors back in input order by their `index` (APIs may answer in any order), and
 * checks that every input got exactly one. Entries without an index keep array order.
 */
export function orderByIndex(label: string, items: unknown, sent: number): Float32Array[] {
  if (!Array.isArray(items)) throw new MalformedResponseError(label, 'no `data` array');
  const entries = items as IndexedEmbedding[];
  if (entries.length !== sent) throw new VectorCountMismatchError(label, sent, entries.length);
  if (!entries.every((e) => typeof e?.index === 'number')) return entries.map((e) => toVector(label, e?.embedding));
  const out = new Array<Float32Array | undefined>(sent);
  for (const e of entries) {
    const i = e.index as number;
    if (!Number.isInteger(i) || i < 0 || i >= sent || out[i]) {
      throw new VectorCountMismatchError(label, sent, entries.length, `index ${i} out of range or repeated`);
    }
    out[i] = toVector(label, e.embedding);
  }
  return out as Float32Array[];
}
