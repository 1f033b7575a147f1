import { describe, expect, it } from 'vitest';
import { ChangeSet } from '../../src/watch/change-set.js';

describe('ChangeSet', () => {
  it('coalesces a path changed many times, and paths inside a changed directory, into one', () => {
    const c = new ChangeSet();
    for (const p of ['src/a.ts', 'src/a.ts', 'lib', 'lib/x/y.ts', 'src/b.ts']) c.add(p);
    expect(c.take()).toEqual(['lib', 'src/a.ts', 'src/b.ts']);
    expect(c.size).toBe(0);
  });

  it('an ignore file stands for its directory, .git/info/exclude and .git/HEAD (a checkout) for the whole tree', () => {
    const c = new ChangeSet();
    c.add('src/deep/.gitignore');
    c.add('src/deep/file.ts');
    c.add('.cwignore');
    expect(c.take()).toEqual(['']);
    c.add('pkg/.cwignore');
    c.add('other.ts');
    expect(c.take()).toEqual(['other.ts', 'pkg']);
    c.add('.git/info/exclude');
    expect(c.take()).toEqual(['']);
    c.add('src/a.ts');
    c.add('.git/HEAD');
    expect(c.take()).toEqual(['']);
  });

  it('past the limit, the deepest paths give way to their directories until few enough are left', () => {
    const c = new ChangeSet();
    for (let d = 0; d < 5; d++) for (let f = 0; f < 100; f++) c.add(`pkg/d${d}/sub/f${f}.ts`);
    c.add('top.ts');
    const taken = c.take(20);
    expect(taken).toEqual(['pkg/d0/sub', 'pkg/d1/sub', 'pkg/d2/sub', 'pkg/d3/sub', 'pkg/d4/sub', 'top.ts']);
    for (let f = 0; f < 30; f++) c.add(`d${f}/x.ts`);
    expect(c.take(10)).toEqual(['']);
  });
});
