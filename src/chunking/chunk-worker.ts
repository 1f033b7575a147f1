// Worker-thread entry of the parallel chunker (worker-chunker.ts): one chunker per thread,
// answering { id, file } with { id, chunks } or { id, error }.
import { parentPort, workerData } from 'node:worker_threads';
import { createChunker, type ChunkerOptions } from './chunker.js';

const port = parentPort!;
const chunker = await createChunker(workerData as ChunkerOptions);
port.on('message', (msg: { id: number; file: { path: string; language: string; text: string } }) => {
  chunker.chunkFile(msg.file).then(
    (chunks) => port.postMessage({ id: msg.id, chunks, backend: chunker.backendOf(msg.file.language) }),
    (err: unknown) => port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
port.postMessage({ ready: true });
