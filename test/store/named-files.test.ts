import { describe, expect, it } from 'vitest';
import { boostNamedFiles, namedFiles } from '../../src/store/ranking/named-files.js';

describe('files the query names', () => {
  it('finds paths, traceback frames and dotted modules, not versions, attributes or variables', () => {
    const named = namedFiles(
      'Traceback:\n  File "/usr/lib/python3/site-packages/requests/sessions.py", line 5, in send\nxarray.core.groupby fails with numpy 1.2.3; see self.x and os.path; edit setup.py; M1 = sy.Matrix.zeros(0, 0)',
    );
    expect(named.paths).toEqual(expect.arrayContaining(['usr/lib/python3/site-packages/requests/sessions.py', 'setup.py']));
    expect(named.modules).toContain('xarray/core/groupby');
    for (const noise of ['1/2/3', 'self/x', 'os/path', 'sy/Matrix/zeros']) expect(named.modules).not.toContain(noise);
  });

  it('weighs hits in a named file more, ranked up, not moved above much better hits', () => {
    const hits = [
      { path: 'requests/adapters.py', score: 10 },
      { path: 'requests/sessions.py', score: 8 },
      { path: 'xarray/core/groupby.py', score: 5 },
      { path: 'docs/index.rst', score: 30 },
    ];
    const ranked = boostNamedFiles(hits, 'File "/site-packages/requests/sessions.py", line 5 and xarray.core.groupby').map((h) => h.path);
    expect(ranked).toEqual(['docs/index.rst', 'requests/sessions.py', 'requests/adapters.py', 'xarray/core/groupby.py']);
    expect(boostNamedFiles(hits, 'retry after header')).toEqual(hits);
  });
});
