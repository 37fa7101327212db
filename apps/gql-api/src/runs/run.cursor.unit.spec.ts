import { describe, expect, it } from 'vitest';
import { decodeRunCursor, encodeRunCursor, type RunCursor } from './run.cursor.js';

describe('run cursor', () => {
  const cursor: RunCursor = { field: 'UPDATED_AT', direction: 'ASC', key: '2025-03-01T10:00:00.000002Z', id: '0a1b2c3d-0000-4000-8000-000000000001' };
  it('round-trips with its ordering and is opaque base64url', () => {
    const encoded = encodeRunCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeRunCursor(encoded)).toEqual(cursor);
  });

  it.each([
    '',
    'not-a-cursor',
    Buffer.from('2025-03-01T10:00:00.000002Z|0a1b2c3d-0000-4000-8000-000000000001').toString('base64url'),
    encodeRunCursor({ ...cursor, key: '2025-03-01T10:00:00Z' }),
    encodeRunCursor({ ...cursor, id: 'nope' }),
    encodeRunCursor({ ...cursor, field: 'NAME' as 'CREATED_AT' }),
  ])('rejects %j', (value) => expect(decodeRunCursor(value)).toBeNull());
});
