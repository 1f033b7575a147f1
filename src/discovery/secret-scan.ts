/**
 * Secrets inside indexed files: found with well-known patterns (as gitleaks' and GitHub secret
 * scanning's rules do) and replaced before a file is chunked, so that the secret is neither
 * stored in the index nor sent to an embedding provider, and no search can return it.
 *
 * Two kinds of rule:
 * - a token with a provider's own prefix or shape (AWS, GitHub, GitLab, Slack, Stripe, OpenAI,
 *   Anthropic, Google, npm, Voyage, JWTs) or a private key block: these are secrets by shape;
 * - an assignment to a name that says "secret" (`api_key = "…"`, `password: …`) whose value looks
 *   random: at least 16 characters, letters and digits, and Shannon entropy of 3.5 bits a
 *   character or more. Words, identifiers, `process.env.X` and placeholders (`<your-key>`,
 *   `${TOKEN}`, `xxxx…`) are not random and are left alone.
 *
 * A secret becomes `<redacted:rule>`; lines are kept (a key block's lines each become one
 * marker), so line numbers in results stay true. The file's hash is still of its real content,
 * so changing a secret re-indexes the file (with the new one redacted).
 */

/** Shown in place of a secret found by `rule`. */
export const redactedMarker = (rule: string): string => `<redacted:${rule}>`;

/** Bumped whenever the rules change: files are read and redacted again (see the pipeline's content signature). */
export const SECRET_RULES_VERSION = 1;

interface TokenRule {
  id: string;
  /** The whole match is the secret unless the pattern has a group named `secret`. */
  pattern: RegExp;
}

const TOKEN_RULES: TokenRule[] = [
  { id: 'aws-access-key', pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g },
  { id: 'github-token', pattern: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b/g },
  { id: 'github-token', pattern: /\bgithub_pat_[A-Za-z0-9_]{50,255}\b/g },
  { id: 'gitlab-token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/g },
  { id: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { id: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9+/]{20,}/g },
  { id: 'stripe-key', pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}\b/g },
  { id: 'anthropic-key', pattern: /\bsk-ant-[A-Za-z0-9_-]{32,}/g },
  { id: 'openai-key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}/g },
  { id: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { id: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { id: 'voyage-key', pattern: /\bpa-[A-Za-z0-9_-]{40,}/g },
  { id: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g },
  // user:password@ in a URL; the password alone is the secret.
  { id: 'url-password', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"`]+:(?<secret>[^\s/@'"`]{3,})@/gi },
];

const PRIVATE_KEY_BLOCK = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----([\s\S]*?)-----END \1-----/g;

/**
 * `name = value` / `name: value` / `"name": "value"` where the name says secret. The value is
 * what a literal can hold unquoted or quoted; judged by looksRandom.
 */
const SECRET_ASSIGNMENT =
  /\b[A-Za-z0-9_]*(?:api[_-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|credential|private[_-]?key|access[_-]?key|auth[_-]?key|client[_-]?secret)[A-Za-z0-9_]*["']?\s*(?::=|=>|[:=])\s*(?<quote>["'`]?)(?<secret>[A-Za-z0-9_\-+/=.~!@#$%^&*]{16,})\k<quote>/gi;

const PLACEHOLDER = /^(?:x+|\*+|\.+|0+|your|example|changeme|placeholder|dummy|sample|test|fake)/i;

/** Words that stand for a password in docs and examples (`https://user:pass@host`). */
const PASSWORD_WORDS = /^(?:pass(?:word|wd)?|pwd?|secret|token|user|key|\*+)$/i;

/**
 * A URL's password worth redacting: not a variable (`${DB_PASSWORD}`, `%s`, `<password>`), not a
 * placeholder word, and at least 6 characters.
 */
function urlPasswordLooksReal(value: string): boolean {
  return value.length >= 6 && !/^\$\{?|^<|^%|^\{/.test(value) && !PLACEHOLDER.test(value) && !PASSWORD_WORDS.test(value);
}

/** Whether `value` looks like a generated secret rather than a word, identifier or placeholder. */
export function looksRandom(value: string): boolean {
  if (value.length < 16 || PLACEHOLDER.test(value)) return false;
  if (!/[A-Za-z]/.test(value) || !/[0-9]/.test(value)) return false;
  // A dotted or slashed path of words (config.api.key_v2, some/path/v1) is not random.
  if (/^[A-Za-z_][A-Za-z0-9_]*(?:[./][A-Za-z_][A-Za-z0-9_]*)+$/.test(value)) return false;
  return entropy(value) >= 3.5;
}

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export interface Redaction {
  /** The rule that found it (never the secret). */
  rule: string;
  /** 1-based line of its start. */
  line: number;
}

export interface ScanResult {
  text: string;
  redactions: Redaction[];
}

/** The text with every secret found replaced by its marker, and where each was. */
export function redactSecrets(text: string): ScanResult {
  const found: Array<{ start: number; end: number; replacement: string; rule: string }> = [];
  const taken = (start: number, end: number) => found.some((f) => start < f.end && end > f.start);
  const add = (start: number, end: number, replacement: string, rule: string) => {
    if (!taken(start, end)) found.push({ start, end, replacement, rule });
  };

  for (const m of text.matchAll(PRIVATE_KEY_BLOCK)) {
    const bodyStart = m.index + m[0].indexOf(m[2]!);
    const body = m[2]!;
    // Each line of the key becomes a marker: the line count (and every later line number) stays.
    add(bodyStart, bodyStart + body.length, body.replace(/[^\r\n]+/g, redactedMarker('private-key')), 'private-key');
  }
  for (const rule of TOKEN_RULES) {
    for (const m of text.matchAll(rule.pattern)) {
      const secret = m.groups?.secret;
      const start = secret === undefined ? m.index : m.index + m[0].lastIndexOf(secret);
      const value = secret ?? m[0];
      if (rule.id === 'url-password' && !urlPasswordLooksReal(value)) continue;
      add(start, start + value.length, redactedMarker(rule.id), rule.id);
    }
  }
  for (const m of text.matchAll(SECRET_ASSIGNMENT)) {
    const secret = m.groups!.secret!;
    if (!looksRandom(secret)) continue;
    const start = m.index + m[0].lastIndexOf(secret);
    add(start, start + secret.length, redactedMarker('secret-assignment'), 'secret-assignment');
  }
  if (found.length === 0) return { text, redactions: [] };

  found.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  let line = 1;
  const redactions: Redaction[] = [];
  for (const f of found) {
    line += countNewlines(text, at, f.start);
    out += text.slice(at, f.start) + f.replacement;
    redactions.push({ rule: f.rule, line });
    line += countNewlines(text, f.start, f.end);
    at = f.end;
  }
  return { text: out + text.slice(at), redactions };
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
