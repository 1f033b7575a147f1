import { z } from 'zod';
import { ConfigSchema } from './schema.js';

/**
 * Turns one zod issue into "<key path>: <what is wrong> — <what is allowed>".
 * Messages name keys the way users write them (dotted paths), never zod internals.
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const keyPath = issue.path.map(String).join('.');
  // A key pasted where the variable's *name* belongs must not be echoed back.
  if (/(^|\.)api_key_env$/.test(keyPath)) {
    return `${keyPath}: must be the name of an environment variable (e.g. VOYAGE_API_KEY), not the key itself — put the key in that variable`;
  }
  const at = keyPath || '(top level)';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(issue.path.map(String));
      const keys = issue.keys.map((k) => (keyPath ? `${keyPath}.${k}` : k));
      const hint = allowed ? ` — allowed here: ${allowed.join(', ')}` : '';
      return `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}${hint}`;
    }
    case 'invalid_type':
      return `${at}: expected ${issue.expected}, got ${describeReceived(issue.input)}`;
    case 'invalid_value':
      return `${at}: must be one of ${issue.values.map((v) => String(v)).join(', ')}${receivedSuffix(issue.input)}`;
    case 'too_small':
      return `${at}: must be ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}${
        issue.origin === 'string' || issue.origin === 'array' ? ' in length' : ''
      }${receivedSuffix(issue.input)}`;
    case 'too_big':
      return `${at}: must be ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}${
        issue.origin === 'string' || issue.origin === 'array' ? ' in length' : ''
      }${receivedSuffix(issue.input)}`;
    case 'invalid_format':
      return `${at}: must be a valid ${issue.format === 'url' ? 'URL (e.g. https://host:port)' : issue.format}${
        issue.format === 'regex' ? ` (${issue.message})` : ''
      }${receivedSuffix(issue.input)}`;
    case 'not_multiple_of':
      return `${at}: must be a multiple of ${String(issue.divisor)}`;
    default:
      return `${at}: ${issue.message}`;
  }
}

function describeReceived(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'string') return `the string ${JSON.stringify(truncate(input))}`;
  return `${typeof input} ${typeof input === 'object' ? '' : JSON.stringify(input)}`.trim();
}

function receivedSuffix(input: unknown): string {
  return input === undefined ? '' : ` (got ${JSON.stringify(typeof input === 'string' ? truncate(input) : input)})`;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Keys the schema accepts at a key path, for "unknown key" hints. */
export function allowedKeysAt(keyPath: string[]): string[] | null {
  let node: z.core.$ZodType | undefined = ConfigSchema;
  for (const key of keyPath) {
    node = unwrap(node);
    if (node instanceof z.ZodObject) node = node.shape[key] as z.core.$ZodType | undefined;
    else if (node instanceof z.ZodRecord) node = node._zod.def.valueType;
    else return null;
    if (!node) return null;
  }
  node = unwrap(node);
  return node instanceof z.ZodObject ? Object.keys(node.shape).filter((k) => k !== '$schema') : null;
}

function unwrap(node: z.core.$ZodType): z.core.$ZodType {
  let current = node;
  for (;;) {
    const def = current._zod.def as { innerType?: z.core.$ZodType };
    if (!def.innerType) return current;
    current = def.innerType;
  }
}
