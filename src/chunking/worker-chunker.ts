import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Chunk } from './chunk.js';
import type { Chunker, ChunkerOptions } from './chunker.js';
import { chunkerSignature } from './signature.js';
import type { ParserBackend } from './syntax.js';

export interface WorkerChunker extends Chunker {
  readonly threads: number;
  close(): Promise<void>;
}

type Reply = { id: number; chunks?: Chunk[]; backend?: ParserBackend | null; error?: string };

/**
 * Chunking on worker threads, so parsing (a quarter of a lexical run's CPU, more on big files)
 * runs beside reading, embedding and writing on the main thread instead of between them. Each
 * thread has its own tree-sitter and loads the grammars it meets. A file goes to the thread
 * with the fewest files outstanding. The chunks are the same as createChunker's: same code,
 * same options, same signature.
 */
export async function createWorkerChunker(options: ChunkerOptions, threads = defaultThreads()): Promise<WorkerChunker> {
  const script = new URL('./chunk-worker.js', import.meta.url);
  // Started on the first file: a run with nothing to chunk (no change) pays no thread start-up.
  let started: Promise<RunningWorker[]> | null = null;
  let nextId = 0;
  let closed = false;
  // As the threads report them: each loads the same grammars the same way.
  const backends = new Map<string, ParserBackend>();

  return {
    signature: chunkerSignature(options),
    threads,
    backendOf: (language) => backends.get(language) ?? null,
    async chunkFile(file) {
      if (closed) throw new Error('chunker closed');
      started ??= Promise.all(Array.from({ length: threads }, () => startWorker(script, options, backends)));
      const workers = await started;
      const w = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      return new Promise<Chunk[]>((resolve, reject) => {
        w.pending.set(id, { language: file.language, resolve, reject });
        w.worker.postMessage({ id, file });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const workers = await started?.catch(() => []);
      await Promise.all((workers ?? []).map((w) => w.worker.terminate()));
    },
  };
}

/** Threads beside the main one: it keeps reading, hashing and writing. */
function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, 3));
}

interface RunningWorker {
  worker: Worker;
  pending: Map<number, { language: string; resolve: (c: Chunk[]) => void; reject: (e: Error) => void }>;
}

function startWorker(script: URL, options: ChunkerOptions, backends: Map<string, ParserBackend>): Promise<RunningWorker> {
  const worker = new Worker(script, { workerData: options, resourceLimits: { maxOldGenerationSizeMb: 128 } });
  const running: RunningWorker = { worker, pending: new Map() };
  const failAll = (err: Error) => {
    for (const p of running.pending.values()) p.reject(err);
    running.pending.clear();
  };
  return new Promise((resolve, reject) => {
    worker.on('message', (msg: Reply | { ready: true }) => {
      if ('ready' in msg) return resolve(running);
      const p = running.pending.get(msg.id);
      if (!p) return;
      running.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else {
        if (msg.backend) backends.set(p.language, msg.backend);
        p.resolve(msg.chunks!);
      }
    });
    worker.once('error', (err) => {
      reject(err);
      failAll(err);
    });
    worker.once('exit', (code) => failAll(new Error(`chunking thread exited (${code})`)));
  });
}
