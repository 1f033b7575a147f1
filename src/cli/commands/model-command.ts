/**
 * `cw model`: the local model's files and runtime, for CI images and air-gapped machines.
 *   install-runtime   ONNX Runtime, the opt-in install the onnx provider needs
 *   pull [NAME]       a model's files into the Hugging Face hub cache (default: the configured onnx model, else the default one)
 *   list              the models in that cache, whichever tool fetched them
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { HubDownloader } from '../../embedding/hub/download.js';
import { hubCacheDir } from '../../embedding/hub/cache.js';
import { listCachedModels } from '../../embedding/hub/list.js';
import { DEFAULT_ONNX_MODEL, onnxModelName } from '../../embedding/onnx/known-models.js';
import { modelFiles } from '../../embedding/onnx/model-files.js';
import { installOnnxRuntime, ONNX_RUNTIME_PACKAGE, ONNX_RUNTIME_VERSION, runtimeDir } from '../../embedding/onnx/runtime.js';
import { HttpClientPool } from '../../http/pool.js';
import { locateRepositoryRoot } from '../../session/locate.js';
import { ExitCode } from '../exit-codes.js';
import { count, formatBytes } from '../format.js';
import { DownloadView } from '../download-view.js';
import { createOutput } from '../runtime.js';

interface ModelOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  config?: string;
}

export function modelCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('model').description('the local (onnx) model: install its runtime, fetch its files, list what is cached');
  const common = (c: Command) =>
    c.option('--json', 'print exactly one JSON document on stdout').option('-q, --quiet', 'print errors only').option('-v, --verbose', 'print details').exitOverride();

  cmd.addCommand(
    common(new Command('install-runtime').description(`install ${ONNX_RUNTIME_PACKAGE}@${ONNX_RUNTIME_VERSION} (~250 MB, from the npm registry, install script off) for the onnx provider`)).action(
      async (opts: ModelOptions) => {
        const out = createOutput(opts);
        const dir = runtimeDir(process.env);
        const already = existsSync(path.join(dir, 'node_modules', ONNX_RUNTIME_PACKAGE, 'package.json'));
        if (!already) {
          out.info(`installing ${ONNX_RUNTIME_PACKAGE}@${ONNX_RUNTIME_VERSION} into ${dir} …`);
          await installOnnxRuntime(process.env, (line) => out.debug(`npm: ${line}`));
        }
        out.result({ runtime: ONNX_RUNTIME_PACKAGE, version: ONNX_RUNTIME_VERSION, dir, installed_now: !already });
        out.print(already ? `${ONNX_RUNTIME_PACKAGE}@${ONNX_RUNTIME_VERSION} is already installed in ${dir}` : `installed ${ONNX_RUNTIME_PACKAGE}@${ONNX_RUNTIME_VERSION} in ${dir}`);
        setExit(ExitCode.Ok);
      },
    ),
  );

  cmd.addCommand(
    common(new Command('pull').description("fetch a model's files into the Hugging Face hub cache ($HF_HOME/hub), resuming an interrupted download"))
      .argument('[name]', `a Hugging Face repository (org/name, optionally @revision, #q8 for its int8 export); default: embedding.model with the onnx provider, else ${DEFAULT_ONNX_MODEL}`)
      .option('-c, --config <file>', 'use this configuration file instead of searching for one')
      .action(async (name: string | undefined, opts: ModelOptions) => {
        const out = createOutput(opts);
        const model = name ?? (await configuredModel(opts.config));
        const pool = new HttpClientPool({});
        const view = new DownloadView(out);
        try {
          const hub = new HubDownloader({
            fetch: pool.getClient('huggingface').fetch,
            env: process.env,
            onProgress: (p) => view.update(p),
          });
          const files = await modelFiles(model, hub);
          out.stopProgress();
          out.result({ model, cache: hub.cache, onnx: files.onnx, dimensions: files.hiddenSize, max_tokens: files.maxTokens, pooling: files.pooling });
          out.print(`${model}: ready in ${hub.cache} (${files.hiddenSize} dimensions, ${files.maxTokens} tokens, ${files.pooling} pooling)`);
        } finally {
          await pool.closeAll();
        }
        setExit(ExitCode.Ok);
      }),
  );

  cmd.addCommand(
    common(new Command('list').description('the models in the Hugging Face hub cache, and whether the onnx provider can run each')).action((opts: ModelOptions) => {
      const out = createOutput(opts);
      const cache = hubCacheDir(process.env);
      const models = listCachedModels(cache);
      out.result({ cache, models: models.map((m) => ({ repo: m.repo, refs: m.refs, bytes: m.bytes, usable: m.usable })) });
      out.print(
        models.length === 0
          ? `no models in ${cache}`
          : [`${count(models.length, 'model')} in ${cache}:`, ...models.map((m) => `  ${m.repo}  ${formatBytes(m.bytes)}${m.usable ? '' : '  (no ONNX export or tokenizer: not usable by the onnx provider)'}`)].join('\n'),
      );
      setExit(ExitCode.Ok);
    }),
  );
  return cmd;
}

/** The configured onnx model; with none (or another provider configured), the default local model. */
async function configuredModel(configFile: string | undefined): Promise<string> {
  const loaded = await loadConfig({ searchFrom: locateRepositoryRoot(path.resolve('.')), configFile, env: process.env });
  const { provider, model, quantized } = loaded.config.embedding;
  return provider === 'onnx' ? onnxModelName(model ?? DEFAULT_ONNX_MODEL, quantized) : DEFAULT_ONNX_MODEL;
}
