import { afterEach, describe, expect, it } from 'vitest';
import { addSecret, addSecretsFromEnv, clearSecrets, displayUrl, redact, redactDeep } from '../src/redact.js';

afterEach(() => clearSecrets());

describe('redact', () => {
  it('masks URL userinfo and secret query values, keeping the rest of the URL', () => {
    expect(redact('GET https://bob:hunter22@api.example.com:8443/v1?x=1 failed')).toBe('GET https://***@api.example.com:8443/v1?x=1 failed');
    expect(redact('http://tok3n1234@host/path')).toBe('http://***@host/path');
    expect(redact('https://h/v1/embed?api_key=abcdef123&model=m')).toBe('https://h/v1/embed?api_key=***&model=m');
    expect(redact('plain text with an @ sign: me@example.com')).toBe('plain text with an @ sign: me@example.com');
  });

  it('masks registered secrets and the values of secret-named variables, also percent-encoded', () => {
    addSecret('p@ss/w0rd!');
    addSecretsFromEnv({ VOYAGE_API_KEY: 'pa-123456789', GITHUB_TOKEN: 'ghp_abcdefgh', HOME: '/root/home', SHORT_KEY: 'abc' }, ['CUSTOM']);
    expect(redact('key pa-123456789 and ghp_abcdefgh in /root/home')).toBe('key *** and *** in /root/home');
    expect(redact(`x=${encodeURIComponent('p@ss/w0rd!')}`)).toBe('x=***');
    expect(redact('abc stays: too short to be a secret')).toBe('abc stays: too short to be a secret');
  });

  it('redactDeep masks every string of a JSON document', () => {
    addSecret('sekret-value');
    const doc = { failures: [{ path: 'a.ts', error: 'HTTP 400 sekret-value' }], url: 'http://u:pw@h', n: 3, ok: true, none: null };
    expect(redactDeep(doc)).toEqual({ failures: [{ path: 'a.ts', error: 'HTTP 400 ***' }], url: 'http://***@h', n: 3, ok: true, none: null });
  });

  it('displayUrl drops userinfo entirely', () => {
    expect(displayUrl('https://admin:pw@qdrant.example:6333/')).toBe('https://qdrant.example:6333');
  });
});
