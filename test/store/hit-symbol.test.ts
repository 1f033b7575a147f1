import { describe, expect, it } from 'vitest';
import { hitSymbol, parseDefinitions } from '../../src/store/ranking/hit-symbol.js';

const defs = [
  { symbol: 'InvalidHeader', startLine: 10, endLine: 14 },
  { symbol: 'RetryError', startLine: 15, endLine: 20 },
];

describe('hitSymbol', () => {
  it('names the definition that holds the best line, else the chunk', () => {
    expect(hitSymbol('InvalidHeader', defs, 17)).toBe('RetryError');
    expect(hitSymbol('InvalidHeader', defs, 10)).toBe('InvalidHeader');
    expect(hitSymbol('InvalidHeader', defs, 30)).toBe('InvalidHeader');
    expect(hitSymbol('InvalidHeader', defs, null)).toBe('InvalidHeader');
    expect(hitSymbol('Session.send', null, 12)).toBe('Session.send');
  });

  it('names the innermost definition when they nest (a method inside its class)', () => {
    const nested = [
      { symbol: 'Session', startLine: 1, endLine: 30 },
      { symbol: 'Session.request', startLine: 3, endLine: 10 },
      { symbol: 'Session.send', startLine: 12, endLine: 28 },
    ];
    expect(hitSymbol('Session', nested, 20)).toBe('Session.send');
    expect(hitSymbol('Session', nested, 5)).toBe('Session.request');
    expect(hitSymbol('Session', nested, 11)).toBe('Session');
  });

  it('reads stored definitions, and nothing from anything malformed', () => {
    expect(parseDefinitions(JSON.stringify(defs))).toEqual(defs);
    expect(parseDefinitions(defs)).toEqual(defs);
    for (const bad of [null, '', 'not json', '{}', '[{"symbol":1}]', [{ symbol: 'x', startLine: 'a', endLine: 2 }]]) expect(parseDefinitions(bad)).toBeNull();
  });
});
