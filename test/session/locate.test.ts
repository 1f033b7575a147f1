import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isUnmarkedBroadRoot, locateRepositoryRoot } from '../../src/session/locate.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('locateRepositoryRoot and isUnmarkedBroadRoot', () => {
  it('finds the nearest marked directory upwards, stopping below home; home and / unmarked are refused for long-lived commands', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cw-locate-'));
    const home = path.join(dir, 'home');
    const repo = path.join(home, 'repo');
    mkdirSync(path.join(repo, '.git'), { recursive: true });
    mkdirSync(path.join(repo, 'src', 'deep'), { recursive: true });
    expect(locateRepositoryRoot(path.join(repo, 'src', 'deep'), home)).toBe(repo);
    const stray = path.join(home, 'notes');
    mkdirSync(stray);
    expect(locateRepositoryRoot(stray, home)).toBe(stray); // never climbs into home
    expect(isUnmarkedBroadRoot(home, home)).toBe(true);
    expect(isUnmarkedBroadRoot(repo, home)).toBe(false);
    expect(isUnmarkedBroadRoot(stray, home)).toBe(false);
    writeFileSync(path.join(home, 'codeweaver.config.json'), '{}');
    expect(isUnmarkedBroadRoot(home, home)).toBe(false); // a home that is a repository on purpose
    expect(isUnmarkedBroadRoot('/', home)).toBe(!existsSync('/.git') && !existsSync('/.codeweaver') && !existsSync('/codeweaver.config.json'));
  });
});
