import type { z } from 'zod';

/**
 * Parses an app's environment with its zod schema and fails fast, before any connection opens, listing every
 * problem at once. Apps call this from their own `config.ts`, the only files that read `process.env`.
 */
export const parseConfig = <TSchema extends z.ZodType>(schema: TSchema, env: Record<string, string | undefined>): Readonly<z.infer<TSchema>> => {
  const parsed = schema.safeParse(env);
  if (parsed.success) return Object.freeze(parsed.data);
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
};
