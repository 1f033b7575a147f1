/**
 * Where the configuration is looked for, in each directory from the repository up (cosmiconfig's
 * search places). Its own module, without cosmiconfig, so that discovery can leave these files
 * out of the index without loading the loader.
 */
export const CONFIG_SEARCH_PLACES = [
  'codeweaver.config.json',
  'codeweaver.config.yaml',
  'codeweaver.config.yml',
  'codeweaver.config.js',
  'codeweaver.config.mjs',
  'codeweaver.config.cjs',
  '.codeweaverrc',
  '.codeweaverrc.json',
  '.codeweaverrc.yaml',
  'package.json',
];

/** codeweaver's own configuration files: settings for the tool, not the user's code. */
export const OWN_CONFIG_FILES: ReadonlySet<string> = new Set(CONFIG_SEARCH_PLACES.filter((f) => f !== 'package.json'));
