import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateTokens, estimateTokensInRange } from '../../src/chunking/tokens.js';

const NODE_MODULES = join(import.meta.dirname, '..', '..', 'node_modules');

describe('estimateTokens', () => {
  it('is zero for nothing and counts every newline', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('\n\n\n')).toBe(3);
  });

  it('is additive over lines, which lets the chunker size line ranges from per-line counts', () => {
    const text = readFileSync(join(NODE_MODULES, 'undici/lib/core/util.js'), 'utf8');
    const lines = text.split('\n');
    const sum = lines.reduce((n, l) => n + estimateTokens(l), 0) + (lines.length - 1);
    expect(estimateTokens(text)).toBe(sum);
    const from = text.indexOf('function');
    expect(estimateTokensInRange(text, from, from + 500)).toBe(estimateTokens(text.slice(from, from + 500)));
  });

  it('errs high: at least one token per 4 characters of code, the usual BPE rate', () => {
    for (const file of ['undici/lib/dispatcher/client-h1.js', 'zod/src/v4/core/api.ts']) {
      const text = readFileSync(join(NODE_MODULES, file), 'utf8');
      expect(estimateTokens(text), file).toBeGreaterThan(text.length / 4);
    }
  });

  it('charges random identifiers and base64 more than words of the same length', () => {
    const word = 'configuration'.repeat(4);
    const random = 'aZ3kQ9xPw2LmB7vR'.repeat(3) + 'aZ3k';
    expect(random.length).toBe(word.length);
    expect(estimateTokens(random)).toBeGreaterThan(estimateTokens(word));
    expect(estimateTokens(random)).toBeGreaterThanOrEqual(random.length / 2);
  });

  it('charges at least one token per symbol and per CJK character, more per emoji', () => {
    expect(estimateTokens('(){};=>')).toBe(7);
    expect(estimateTokens('日本語のテキスト')).toBeGreaterThanOrEqual(8);
    expect(estimateTokens('😀😀')).toBeGreaterThanOrEqual(4);
  });

  it('adds up: a text repeated 20 times estimates 20 times the tokens, give or take the joins', () => {
    const one = readFileSync(join(NODE_MODULES, 'undici/lib/dispatcher/client-h1.js'), 'utf8');
    const whole = estimateTokens(one.repeat(20));
    expect(whole).toBeGreaterThanOrEqual(20 * estimateTokens(one) - 20);
    expect(whole).toBeLessThanOrEqual(20 * estimateTokens(one) + 20);
  });
});
