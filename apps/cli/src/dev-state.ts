import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './config.js';

/**
 * What `shaman dev` seeded, kept in `.shaman/dev.json` (git-ignored) so that `shaman send` and a restarted
 * dev stack reuse the same demo key. Only the local developer's machine ever holds this plaintext key.
 */
export type DevState = { orgId: string; apiKey: string; apiKeyId: string; gatewayUrl: string; graphqlUrl: string };

export const DEV_STATE_FILE = join(REPO_ROOT, '.shaman', 'dev.json');

export const readDevState = async (): Promise<DevState | null> => {
  try {
    return JSON.parse(await readFile(DEV_STATE_FILE, 'utf8')) as DevState;
  } catch {
    return null;
  }
};

export const writeDevState = async (state: DevState): Promise<void> => {
  await mkdir(dirname(DEV_STATE_FILE), { recursive: true });
  await writeFile(DEV_STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
};

export const DEV_SECRET_KEY_FILE = join(REPO_ROOT, '.shaman', 'secret.key');

/**
 * The local stack's SHAMAN_SECRET_KEY when the developer set none: generated once into `.shaman/secret.key`
 * (mode 0600, git-ignored), so tokens and secrets stored in one `shaman dev` session open in the next.
 */
export const devSecretKey = async (generate: () => string): Promise<string> => {
  try {
    return (await readFile(DEV_SECRET_KEY_FILE, 'utf8')).trim();
  } catch {
    const key = generate();
    await mkdir(dirname(DEV_SECRET_KEY_FILE), { recursive: true });
    await writeFile(DEV_SECRET_KEY_FILE, `${key}\n`, { mode: 0o600 });
    return key;
  }
};
