/**
 * The files of a sentence-embedding model, from the hub cache (fetched when missing) or from a
 * directory the user names (`embedding.model: ./models/x` or an absolute path: an air-gapped
 * copy), and what they say: the ONNX graph, the tokenizer, the hidden size, the pooling.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { HubDownloader } from '../hub/download.js';
import { knownOnnxModel, ONNX_VARIANT_FILES, parseOnnxModel, type Pooling } from './known-models.js';

const REQUIRED = ['config.json', 'tokenizer.json'] as const;
const OPTIONAL = ['tokenizer_config.json', 'modules.json', '1_Pooling/config.json'] as const;

export type { Pooling };

export interface ModelFiles {
  /** The graph to load. */
  onnx: string;
  tokenizer: object;
  tokenizerConfig: object;
  /** From config.json: the width of the last hidden state, the vector size after pooling. */
  hiddenSize: number;
  /** From config.json / tokenizer_config.json: the longest input the model was trained on. */
  maxTokens: number;
  pooling: Pooling;
}

/** Whether `embedding.model` names a directory rather than a hub repository (a `#q8` after it changes nothing here). */
export function isLocalModel(model: string): boolean {
  return path.isAbsolute(model) || model.startsWith('./') || model.startsWith('../');
}

/** Every file a model needs, local paths: what `cw model pull` fetches, and what the embedder reads. */
export async function modelFiles(model: string, hub: HubDownloader | null, signal?: AbortSignal): Promise<ModelFiles> {
  // The export transformers.js and the ONNX community publish (`model.onnx` at the top as a
  // fallback), or the int8 one a `#q8` name asks for.
  const { source, variant } = parseOnnxModel(model);
  const graphs = ONNX_VARIANT_FILES[variant ?? 'fp32'];
  const at = isLocalModel(source) ? fromDirectory(path.resolve(source), graphs) : await fromHub(source, graphs, hub, signal);
  const config = readJson(at('config.json')!, model) as Record<string, unknown>;
  const tokenizerConfig = at('tokenizer_config.json') ? (readJson(at('tokenizer_config.json')!, model) as Record<string, unknown>) : {};
  const hiddenSize = Number(config.hidden_size ?? config.d_model ?? config.dim);
  if (!Number.isSafeInteger(hiddenSize) || hiddenSize < 1) throw new UsageError(`${model}: config.json states no hidden_size — not a sentence-embedding model cw can run`);
  const limits = [config.max_position_embeddings, tokenizerConfig.model_max_length].map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
  return {
    onnx: at('onnx')!,
    tokenizer: readJson(at('tokenizer.json')!, model) as object,
    tokenizerConfig,
    hiddenSize,
    maxTokens: limits.length ? Math.min(...limits) : 512,
    pooling: poolingOf(at('1_Pooling/config.json'), model),
  };
}

type Locate = (file: string) => string | null;

function fromDirectory(dir: string, graphs: readonly string[]): Locate {
  if (!existsSync(dir)) throw new UsageError(`${dir}: no such model directory — embedding.model names a Hugging Face repository (org/name) or a directory holding one`);
  const at = (file: string) => (existsSync(path.join(dir, ...file.split('/'))) ? path.join(dir, ...file.split('/')) : null);
  for (const file of REQUIRED) if (!at(file)) throw new UsageError(`${dir}: no ${file} — a model directory needs ${REQUIRED.join(', ')} and ${graphs.join(' or ')}`);
  const onnx = graphs.map(at).find((p) => p !== null);
  if (!onnx) throw new UsageError(`${dir}: no ONNX export (${graphs.join(' or ')}) — export the model to ONNX first (optimum-cli export onnx)`);
  return (file) => (file === 'onnx' ? onnx : at(file));
}

async function fromHub(model: string, graphs: readonly string[], hub: HubDownloader | null, signal?: AbortSignal): Promise<Locate> {
  if (!hub) throw new UsageError(`${model}: the model is fetched from the Hugging Face hub, which needs the HTTP pool`);
  const [repo, revision = 'main'] = model.split('@') as [string, string?];
  const required = await hub.files(repo, revision, REQUIRED, signal);
  // The export at the top is asked for only when onnx/ has none (a repository may hold both: one download).
  let onnx: string | null = null;
  for (const file of graphs) if (!onnx) [onnx] = await hub.optionalFiles(repo, revision, [file], signal);
  if (!onnx) throw new UsageError(`${repo}: no ONNX export (${graphs.join(' or ')}) in the repository — pick a model that publishes one (Xenova/…, onnx-community/…), or export it and name the directory`);
  const optional = await hub.optionalFiles(repo, revision, OPTIONAL, signal);
  const found = new Map<string, string | null>([...REQUIRED.map((f, i) => [f, required[i]!] as const), ...OPTIONAL.map((f, i) => [f, optional[i]!] as const), ['onnx', onnx!]]);
  return (file) => found.get(file) ?? null;
}

/**
 * sentence-transformers' pooling configuration; when the repository has none, the pooling cw
 * knows the model was trained with (known-models.ts), else mean pooling.
 */
function poolingOf(file: string | null, model: string): Pooling {
  if (!file) return (isLocalModel(model) ? undefined : knownOnnxModel(model)?.pooling) ?? 'mean';
  const config = readJson(file, model) as Record<string, unknown>;
  if (config.pooling_mode_cls_token) return 'cls';
  if (config.pooling_mode_lasttoken) return 'last';
  if (config.pooling_mode_mean_tokens || config.pooling_mode_mean_sqrt_len_tokens) return 'mean';
  throw new UsageError(`${model}: its pooling (${path.basename(path.dirname(file))}/config.json) is not one cw runs (mean, cls or last token)`);
}

function readJson(file: string, model: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${model}: ${path.basename(file)} is not valid JSON (${err instanceof Error ? err.message : String(err)}) — remove it from the cache to fetch it again`);
  }
}
