import { assertPublicUrl, SECRET_NAME, UrlRefusedError } from '@shaman/platform';
import { userError, type UserError } from '../graphql/user-error.js';

export type AddRegistryFields = { name: string; url: string; authSecret?: string | null };
export type ModelCacheFields = { ttlSeconds?: number | null; maxEntries?: number | null; maxEntryBytes?: number | null };

// The repository alphabet (migration 0012's CHECK), so the name reads the same in `registry:<name>`.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isRegistryId = (id: string): boolean => UUID.test(id);

const urlProblem = async (url: string, allowPrivate: boolean): Promise<string | null> => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url must be an http:// or https:// URL';
  }
  if (parsed.username !== '' || parsed.password !== '') return 'url must not carry credentials: store them as a secret and name it in authSecret';
  try {
    await assertPublicUrl(parsed, { allowPrivate });
    return null;
  } catch (error) {
    if (error instanceof UrlRefusedError) return `url ${error.message}`;
    throw error;
  }
};

/**
 * What is wrong with a registry to add; empty when nothing. The URL passes the SSRF guard (no loopback, private
 * or metadata address unless the operator allows local URLs, as for repositories) and carries no credentials.
 */
export const registryInputProblems = async (input: AddRegistryFields, options: { allowPrivateUrls: boolean }): Promise<UserError[]> => {
  const problems: UserError[] = [];
  if (!NAME.test(input.name)) problems.push(userError('INVALID', 'name must be 1-63 letters, digits, _ or -, starting with a letter or digit', 'name'));
  const url = await urlProblem(input.url, options.allowPrivateUrls);
  if (url !== null) problems.push(userError('INVALID', url, 'url'));
  if (input.authSecret != null && !SECRET_NAME.test(input.authSecret)) problems.push(userError('INVALID', 'authSecret must be a secret name (letters, digits and _, as written in ${NAME})', 'authSecret'));
  return problems;
};

const inRange = (value: number | null | undefined, min: number, max: number): boolean => value == null || (Number.isInteger(value) && value >= min && value <= max);

export const modelCacheProblems = (input: ModelCacheFields): UserError[] => [
  ...(inRange(input.ttlSeconds, 1, 2_592_000) ? [] : [userError('INVALID', 'ttlSeconds must be 1 to 2592000 (30 days), or null to turn the cache off', 'ttlSeconds')]),
  ...(inRange(input.maxEntries, 1, 1_000_000) ? [] : [userError('INVALID', 'maxEntries must be 1 to 1000000', 'maxEntries')]),
  ...(inRange(input.maxEntryBytes, 1024, 16_777_216) ? [] : [userError('INVALID', 'maxEntryBytes must be 1024 to 16777216', 'maxEntryBytes')]),
];
