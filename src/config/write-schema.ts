// `npm run schema`: regenerates codeweaver.schema.json from the zod schema (a test keeps them in sync).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchemaText } from './json-schema.js';

const target = fileURLToPath(new URL('../../codeweaver.schema.json', import.meta.url));
writeFileSync(target, configJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
