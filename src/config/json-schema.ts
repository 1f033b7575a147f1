import { z } from 'zod';
import { ConfigSchema } from './schema.js';

/**
 * The JSON Schema of the configuration file, for editors (`"$schema": "./codeweaver.schema.json"`).
 * Input form: every key optional, with its default shown.
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'codeweaver configuration',
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
