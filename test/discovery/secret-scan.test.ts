import { describe, expect, it } from 'vitest';
import { looksRandom, redactSecrets } from '../../src/discovery/secret-scan.js';

// Built from parts so this file holds no literal that a scanner (ours or a host's) flags.
const j = (...parts: string[]) => parts.join('');
const AWS = j('AKIA', 'IOSFODNN7', 'EXAMPLQ');
const GH = j('ghp_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8');
const STRIPE = j('sk_', 'live_', '4eC39HqLyjWDarjtT1zdp7dc');
const SLACK = j('xoxb-', '1234567890-0987654321-AbCdEfGhIjKlMnOp');
const OPENAI = j('sk-', 'proj-', 'Qw3rTy8uIo9pAs7dF6gH5jK4lZ3xC2vB1nM0qW');
const GOOGLE = j('AIza', 'SyD-1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6');
const RANDOM = j('Zx9', 'Qw8Er7Ty6Ui5Op4As3Df');

describe('redactSecrets', () => {
  it('replaces provider tokens by their shape, wherever they stand, and says which rule and line', () => {
    const text = [`const aws = "${AWS}";`, `token: ${GH}`, `stripe.setKey('${STRIPE}')`, `// ${SLACK}`, `OPENAI=${OPENAI}`, `key = "${GOOGLE}"`].join('\n');
    const { text: out, redactions } = redactSecrets(text);
    for (const secret of [AWS, GH, STRIPE, SLACK, OPENAI, GOOGLE]) expect(out).not.toContain(secret);
    expect(out.split('\n')).toHaveLength(6);
    expect(out).toContain('const aws = "<redacted:aws-access-key>";');
    expect(out).toContain("stripe.setKey('<redacted:stripe-key>')");
    expect(redactions.map((r) => [r.rule, r.line])).toEqual([
      ['aws-access-key', 1],
      ['github-token', 2],
      ['stripe-key', 3],
      ['slack-token', 4],
      ['openai-key', 5],
      ['google-api-key', 6],
    ]);
  });

  it('replaces a private key block line by line, keeping the line count and the lines after it', () => {
    const begin = j('-----BEGIN ', 'RSA PRIVATE KEY-----');
    const end = j('-----END ', 'RSA PRIVATE KEY-----');
    const text = ['before', begin, 'MIIEowIBAAKCAQEA7bq', 'x9Kq2+abc/def==', end, 'after'].join('\n');
    const { text: out, redactions } = redactSecrets(text);
    expect(out.split('\n')).toEqual(['before', begin, '<redacted:private-key>', '<redacted:private-key>', end, 'after']);
    expect(redactions).toEqual([{ rule: 'private-key', line: 2 }]);
  });

  it('replaces random-looking values assigned to secret names, and leaves words, identifiers, env lookups and placeholders', () => {
    const secretLines = [`API_KEY = "${RANDOM}"`, `"client_secret": "${RANDOM}"`, `db_password: ${RANDOM}`, `const authToken = '${RANDOM}';`];
    for (const line of secretLines) {
      const { text, redactions } = redactSecrets(line);
      expect(text, line).not.toContain(RANDOM);
      expect(redactions.map((r) => r.rule)).toEqual(['secret-assignment']);
    }
    const innocent = [
      'api_key = os.environ["VOYAGE_API_KEY"]',
      'const token = process.env.GITHUB_TOKEN',
      'password = "correcthorsebatterystaple"',
      'secret_key = "<your-secret-key-goes-here>"',
      'token = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
      'API_KEY = "${API_KEY_FROM_THE_ENVIRONMENT}"',
      'access_key = config.credentials.access_key_v2',
      'def get_token_for_user(user_id_1234567890):',
      'tokens = tokenize(text)',
      'url = "postgres://user:${DB_PASSWORD}@localhost/db"',
      ' * credentials in URLs (`https://user:pass@host`), and secret-looking query parameters.',
      'redis://:password@cache:6379/0',
      'amqp://guest:{pw}@broker',
    ];
    for (const line of innocent) expect(redactSecrets(line), line).toEqual({ text: line, redactions: [] });
  });

  it('replaces a password in a URL but not the rest of it', () => {
    const { text } = redactSecrets(`DATABASE_URL=postgres://admin:${RANDOM}@db.internal:5432/app`);
    expect(text).toBe('DATABASE_URL=postgres://admin:<redacted:url-password>@db.internal:5432/app');
  });

  it('looksRandom: entropy, letters and digits, no placeholders', () => {
    expect(looksRandom(RANDOM)).toBe(true);
    expect(looksRandom('aaaaaaaaaaaaaaaa1')).toBe(false);
    expect(looksRandom('abcdefghijklmnopqrstuvwxyz')).toBe(false);
    expect(looksRandom('example1234567890abcdef')).toBe(false);
  });
});
