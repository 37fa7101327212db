/** An expected failure of a mutation, returned in its payload's `errors` (schema/mutations.graphql.ts). */
export type UserErrorCode = 'INVALID' | 'NOT_FOUND' | 'UNAVAILABLE';
export type UserError = { code: UserErrorCode; field: string | null; message: string };

export const userError = (code: UserErrorCode, message: string, field: string | null = null): UserError => ({ code, field, message });
