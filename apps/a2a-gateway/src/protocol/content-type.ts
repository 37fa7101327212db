import { A2AError } from '../errors.js';

const JSON_MEDIA = new Set(['application/json', 'application/a2a+json']);

/**
 * A request body must be JSON (`application/json`, or `application/a2a+json` which 1.0.1 prefers). Any other
 * Content-Type is HTTP 415 rather than -32005: -32005 is about the media types of message parts, which an
 * agent handles, while this is the transport refusing to read the body at all. A body-less REST call
 * (cancel, subscribe) may omit the header.
 */
export const assertJsonBody = (header: string | undefined, hasBody: boolean): void => {
  if (!hasBody && header === undefined) return;
  const media = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!JSON_MEDIA.has(media)) {
    throw Object.assign(new A2AError('invalid_request', `Unsupported Media Type: send the body as application/json (got ${media || 'none'})`), { httpStatusOverride: 415, rpcId: null });
  }
};

export const statusOverride = (error: unknown): number | undefined => (error as { httpStatusOverride?: number }).httpStatusOverride;
