import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What `shaman dev` seeded, kept in `<SHAMAN_DEV_DIR>/dev.json` (by default `.shaman/`, git-ignored) so that
 * `shaman send` and a restarted dev stack reuse the same demo key. Only the local developer's machine ever
 * holds this plaintext key.
 */
export type DevState = { orgId: string; apiKey: string; apiKeyId: string; gatewayUrl: string; graphqlUrl: string };

export const readDevState = async (dir: string): Promise<DevState | null> => {
  try {
    return JSON.parse(await readFile(join(dir, 'dev.json'), 'utf8')) as DevState;
  } catch {
    return null;
  }
};

/** Writes a file only its owner can read, creating the directory first. */
export const writePrivateFile = async (dir: string, name: string, text: string): Promise<void> => {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), text, { mode: 0o600 });
};

export const writeDevState = (dir: string, state: DevState): Promise<void> => writePrivateFile(dir, 'dev.json', `${JSON.stringify(state, null, 2)}\n`);

/**
 * The local stack's SHAMAN_SECRET_KEY when the developer set none: generated once into `secret.key`, so tokens
 * and secrets stored in one `shaman dev` session open in the next.
 */
export const devSecretKey = async (dir: string, generate: () => string): Promise<string> => {
  try {
    return (await readFile(join(dir, 'secret.key'), 'utf8')).trim();
  } catch {
    const key = generate();
    await writePrivateFile(dir, 'secret.key', `${key}\n`);
    return key;
  }
};
