import { execFile } from 'node:child_process';

/** The checkout an index is about: its commit and branch (null outside git, or detached). */
export interface Worktree {
  commit: string | null;
  branch: string | null;
}

/**
 * HEAD of the repository at `root`, asked of git itself (a worktree's gitfile, packed refs and
 * detached heads are git's business, not ours). Never throws: outside git both are null.
 */
export function worktreeHead(root: string): Promise<Worktree> {
  return new Promise((resolve) => {
    // One process: the commit, then (under --abbrev-ref) the branch name, "HEAD" when detached.
    execFile('git', ['rev-parse', 'HEAD', '--abbrev-ref', 'HEAD'], { cwd: root, timeout: 5000, windowsHide: true }, (err, stdout) => {
      if (err) return resolve({ commit: null, branch: null });
      const [commit, branch] = stdout.trim().split('\n');
      resolve({ commit: commit || null, branch: branch && branch !== 'HEAD' ? branch : null });
    });
  });
}
