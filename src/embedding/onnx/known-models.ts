/**
 * What cw knows of particular models beyond their files: the default, how each was trained to be
 * pooled when its repository does not say (an ONNX community export often drops sentence-
 * transformers' 1_Pooling/), and the texts it expects before a query or a document (its model
 * card says so). Pooled the wrong way, a model's vectors still look fine and retrieve worse, with
 * nothing reporting a problem; so the rule is: the repository's own 1_Pooling/config.json, then
 * this table, then mean pooling (sentence-transformers' default for a model that states none).
 */

/** How a model's last hidden state becomes one vector: the mean over the mask, the first token, the last. */
export type Pooling = 'mean' | 'cls' | 'last';

/**
 * The default local model: IBM's granite-embedding-small-english-r2 (47M parameters, 384
 * dimensions, 8,192-token context, Apache-2.0), in the ONNX community's export. Chosen on
 * published code retrieval: CoIR (10 tasks, NDCG@10) 53.4, against 47.1 for e5-small-v2 and 45.8
 * for bge-small-en-v1.5 of the same size, and above the 109M bge-base-en-v1.5 (46.6) and
 * e5-base-v2 (50.3), all evaluated zero-shot in one table (Granite Embedding R2 report,
 * arXiv:2508.21085, Table 11). Its cost here: README "A local model" and bench/README.
 */
export const DEFAULT_ONNX_MODEL = 'onnx-community/granite-embedding-small-english-r2-ONNX';

export interface KnownOnnxModel {
  pooling: Pooling;
  prefixes?: { query: string; document: string };
}

const BGE_QUERY = { query: 'Represent this sentence for searching relevant passages: ', document: '' };

/** By repository, without a revision. Exports of one model under other names share its entry. */
const KNOWN: Record<string, KnownOnnxModel> = {
  'onnx-community/granite-embedding-small-english-r2-ONNX': { pooling: 'cls' },
  'ibm-granite/granite-embedding-small-english-r2': { pooling: 'cls' },
  'onnx-community/granite-embedding-english-r2-ONNX': { pooling: 'cls' },
  'ibm-granite/granite-embedding-english-r2': { pooling: 'cls' },
  'BAAI/bge-small-en-v1.5': { pooling: 'cls', prefixes: BGE_QUERY },
  'Xenova/bge-small-en-v1.5': { pooling: 'cls', prefixes: BGE_QUERY },
  'BAAI/bge-base-en-v1.5': { pooling: 'cls', prefixes: BGE_QUERY },
  'Xenova/bge-base-en-v1.5': { pooling: 'cls', prefixes: BGE_QUERY },
  'Snowflake/snowflake-arctic-embed-xs': { pooling: 'cls', prefixes: BGE_QUERY },
  'Snowflake/snowflake-arctic-embed-s': { pooling: 'cls', prefixes: BGE_QUERY },
  'sentence-transformers/all-MiniLM-L6-v2': { pooling: 'mean' },
  'Xenova/all-MiniLM-L6-v2': { pooling: 'mean' },
  'nomic-ai/nomic-embed-text-v1.5': { pooling: 'mean', prefixes: { query: 'search_query: ', document: 'search_document: ' } },
};

/** The entry for `embedding.model` (a hub repository, with or without `@revision` and `#q8`), if cw knows it. */
export function knownOnnxModel(model: string): KnownOnnxModel | undefined {
  return KNOWN[parseOnnxModel(model).source.split('@')[0]!];
}

/**
 * An export of a model other than its full-precision graph. The name a model is given in the
 * configuration and recorded in the index says which (`org/name#q8`), so that an index's vectors
 * are never mixed with another export's: a run asking for the other one is refused as a change of
 * model is (`--full` rebuilds).
 */
export type OnnxVariant = 'q8';

/** The graph files of each export, in the order looked for. */
export const ONNX_VARIANT_FILES: Record<OnnxVariant | 'fp32', readonly string[]> = {
  fp32: ['onnx/model.onnx', 'model.onnx'],
  q8: ['onnx/model_quantized.onnx'],
};

/** `org/name[@revision][#q8]` or `dir[#q8]`: where the model is, and which export. */
export function parseOnnxModel(model: string): { source: string; variant: OnnxVariant | null } {
  const at = model.lastIndexOf('#');
  if (at < 0) return { source: model, variant: null };
  const variant = model.slice(at + 1);
  if (variant !== 'q8') return { source: model, variant: null }; // not ours: a name that holds a '#'
  return { source: model.slice(0, at), variant };
}

/** The model name a run uses: `embedding.quantized` adds `#q8` unless the name already says which export. */
export function onnxModelName(model: string, quantized: boolean | undefined): string {
  return quantized && parseOnnxModel(model).variant === null ? `${model}#q8` : model;
}
