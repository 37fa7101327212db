import { describe, expect, it } from 'vitest';
import { createSseParser, readSse, type SseEvent } from './sse-parser.js';

const parseInPieces = (text: string, cuts: number[]): SseEvent[] => {
  const parser = createSseParser();
  const bounds = [0, ...cuts, text.length];
  const events = bounds.slice(1).flatMap((end, i) => parser.feed(text.slice(bounds[i], end)));
  return [...events, ...parser.end()];
};

// Mixed line endings, a comment, a multi-line data field, a named event and a field without a space.
const STREAM =
  ': ping\r\n\r\ndata: {"a":1}\r\n\r\nevent: message_delta\r\ndata:line one\r\ndata: line two\r\n\r\n' +
  'event: e\rdata: x\rdata: y\r\rdata: [DONE]\n\n';
const EXPECTED: SseEvent[] = [
  { event: 'message', data: '{"a":1}' },
  { event: 'message_delta', data: 'line one\nline two' },
  { event: 'e', data: 'x\ny' },
  { event: 'message', data: '[DONE]' },
];

describe('createSseParser', () => {
  it('parses a whole stream', () => {
    expect(parseInPieces(STREAM, [])).toEqual(EXPECTED);
  });

  it('gives the same events whichever single point the stream is cut at, including between \\r and \\n', () => {
    for (let cut = 1; cut < STREAM.length; cut++) expect(parseInPieces(STREAM, [cut])).toEqual(EXPECTED);
  });

  it('gives the same events when fed one character at a time', () => {
    expect(parseInPieces(STREAM, Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1))).toEqual(EXPECTED);
  });

  it('delivers a last event whose blank line never came, and ignores events without data', () => {
    expect(parseInPieces('event: ping\n\ndata: tail', [])).toEqual([{ event: 'message', data: 'tail' }]);
  });

  it('reassembles UTF-8 characters split across network chunks', async () => {
    const bytes = new TextEncoder().encode('data: café ☕\n\n');
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.subarray(i, i + 3));
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const event of readSse(body)) events.push(event);
    expect(events).toEqual([{ event: 'message', data: 'café ☕' }]);
  });
});
