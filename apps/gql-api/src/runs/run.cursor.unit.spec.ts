import { describe, expect, it } from 'vitest';
import { decodeRunCursor, encodeRunCursor } from './run.cursor.js';

describe('run cursor', () => {
  const cursor = { createdAt: '2025-03-01T10:00:00.000002Z', id: '0a1b2c3d-0000-4000-8000-000000000001' };
  it('round-trips and is opaque base64url', () => {
    const encoded = encodeRunCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeRunCursor(encoded)).toEqual(cursor);
  });

  it.each(['', 'not-a-cursor', Buffer.from('2025-03-01T10:00:00Z|x').toString('base64url'), encodeRunCursor({ ...cursor, id: 'nope' })])(
    'rejects %j',
    (value) => expect(decodeRunCursor(value)).toBeNull(),
  );
});
