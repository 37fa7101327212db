import { hash, randomUUID } from 'node:crypto';

/**
 * A UUID-shaped id derived from its inputs (SHA-256, version nibble 5-like). Used wherever a retry could
 * repeat the work that produced an id — event ids, step ids from a client's messageId — so the repeat is a
 * duplicate JetStream drops (Nats-Msg-Id) instead of a second record.
 */
export const deterministicId = (...parts: readonly (string | number)[]): string => {
  const hex = hash('sha256', parts.join('\u001f'), 'hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** A fresh random UUID for things no retry can repeat. */
export const newId = (): string => randomUUID();
