/** `${NAME}`: a reference to an organization secret, resolved only right before use (never at sync). */
export const SECRET_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The secret names a value refers to, in order of appearance, without repeats. */
export const secretReferences = (value: string): string[] => [...new Set([...value.matchAll(SECRET_REFERENCE)].map((m) => m[1] as string))];

/** Why a value could not be resolved: the first reference to a secret the organization does not have. */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';
  constructor(readonly secret: string, readonly field: string) {
    super(`${field} references \${${secret}}, which is not set in the organization's secrets`);
  }
}

/** Replaces every `${NAME}`; a missing secret throws, so nothing is ever sent with a hole in its credentials. */
export const interpolateSecrets = (value: string, field: string, lookup: (name: string) => string | undefined): string =>
  value.replace(SECRET_REFERENCE, (_match, name: string) => {
    const secret = lookup(name);
    if (secret === undefined) throw new MissingSecretError(name, field);
    return secret;
  });
