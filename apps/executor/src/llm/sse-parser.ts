/** One server-sent event: `event` defaults to `message` as in the WHATWG EventSource spec. */
export type SseEvent = { event: string; data: string };

export type SseParser = {
  /** Feeds decoded text of any length; returns the events it completed. */
  feed(text: string): SseEvent[];
  /** Flushes at end of stream. */
  end(): SseEvent[];
};

const LINE_END = /\r\n|\r|\n/;

/**
 * An incremental `text/event-stream` parser. Network chunks split lines, fields and even `\r\n` pairs
 * anywhere, so it keeps the unfinished line until the next chunk completes it.
 */
export const createSseParser = (): SseParser => {
  let buffer = '';
  let event = '';
  let data: string[] = [];

  const dispatch = (): SseEvent | undefined => {
    const out = data.length > 0 ? { event: event === '' ? 'message' : event, data: data.join('\n') } : undefined;
    event = '';
    data = [];
    return out;
  };

  const line = (text: string): SseEvent | undefined => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return undefined; // comment, used as keep-alive
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const raw = colon < 0 ? '' : text.slice(colon + 1);
    const value = raw.startsWith(' ') ? raw.slice(1) : raw;
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    return undefined;
  };

  const drain = (final: boolean): SseEvent[] => {
    const out: SseEvent[] = [];
    for (let match = LINE_END.exec(buffer); match !== null; match = LINE_END.exec(buffer)) {
      // A trailing "\r" may be the first half of a "\r\n" that the next chunk completes.
      if (!final && match[0] === '\r' && match.index === buffer.length - 1) break;
      const completed = line(buffer.slice(0, match.index));
      buffer = buffer.slice(match.index + match[0].length);
      if (completed !== undefined) out.push(completed);
    }
    return out;
  };

  return {
    feed: (text) => {
      buffer += text;
      return drain(false);
    },
    // Lenient at the end: a server that closes without the final blank line still delivers its last event.
    end: () => {
      const out = drain(true);
      if (buffer !== '') line(buffer); // a field line, so it completes no event by itself
      buffer = '';
      const pending = dispatch();
      return pending === undefined ? out : [...out, pending];
    },
  };
};

/** Decodes a response body into events; UTF-8 sequences split across chunks are reassembled by the decoder. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const parser = createSseParser();
  for await (const chunk of body) yield* parser.feed(decoder.decode(chunk, { stream: true }));
  yield* parser.feed(decoder.decode());
  yield* parser.end();
}
