import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { simpleGit } from 'simple-git';

/** A throwaway git repository in os.tmpdir() that tests commit agent files to and sync from (no network). */
export type TestOrigin = {
  dir: string;
  /** Writes (or, with `null`, deletes) files and commits them on `main`; resolves with the new commit. */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
  cleanup(): Promise<void>;
};

export const createTestOrigin = async (): Promise<TestOrigin> => {
  const dir = await mkdtemp(join(tmpdir(), 'shaman-origin-'));
  const git = simpleGit(dir);
  await git.raw(['init', '--quiet', '--initial-branch=main']);
  await git.addConfig('user.name', 'Shaman Test').addConfig('user.email', 'test@shaman.invalid').addConfig('commit.gpgsign', 'false');
  return {
    dir,
    commit: async (files, message = 'update agents') => {
      for (const [path, text] of Object.entries(files)) {
        if (text === null) await git.rm([path]);
        else {
          await mkdir(dirname(join(dir, path)), { recursive: true });
          await writeFile(join(dir, path), text);
          await git.add([path]);
        }
      }
      await git.commit(message);
      return (await git.revparse(['HEAD'])).trim();
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
};

/** A minimal valid agent file. */
export const agentFile = (name: string, body = `You are ${name}.`, extra = ''): string => `---\nname: ${name}\nmodel: scripted\n${extra}---\n${body}\n`;
