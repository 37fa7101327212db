import { RegistryListing, type RegistryAgent } from './registry-listing.schema.js';

/** What one `GET {url}/agents` gave: a listing (new, or unchanged since `etag`), or why there is none. */
export type RegistryFetch =
  | { ok: true; notModified: false; agents: RegistryAgent[]; etag: string | null; maxAgeSeconds: number | null }
  | { ok: true; notModified: true; etag: string | null; maxAgeSeconds: number | null }
  | { ok: false; error: string };

export type RegistryFetchOptions = {
  /** The registry's root; the listing is `{url}/agents`. */
  url: string;
  /** The ETag of the listing held, sent as If-None-Match. */
  etag?: string | null;
  /** Sent as `Authorization: Bearer …` (the registry's secret, already opened). */
  token?: string | null;
  /** For headers and body together: a registry that trickles its answer is as dead as one that never answers. */
  timeoutMs: number;
  /** The SSRF guard; throws to refuse the URL. */
  assertUrl: (url: string) => Promise<unknown>;
  signal?: AbortSignal;
};

/** A listing larger than this is refused: agents are listed by the hundred, not by the megabyte. */
export const MAX_LISTING_BYTES = 2 * 1024 * 1024;

/** `{root}/agents`, whether or not the root ends with a slash; query and fragment are kept off. */
export const listingUrl = (root: string): string => {
  const url = new URL(root);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/agents`;
  url.search = '';
  url.hash = '';
  return url.toString();
};

/** `max-age` of a Cache-Control header (null without one, 0 for no-store/no-cache). */
export const maxAgeOf = (header: string | null): number | null => {
  if (header === null) return null;
  if (/\b(no-store|no-cache)\b/i.test(header)) return 0;
  const age = /\bmax-age=(\d+)/i.exec(header)?.[1];
  return age === undefined ? null : Number(age);
};

const readCapped = async (response: Response): Promise<string> => {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_LISTING_BYTES) throw new Error(`listing too large (${declared} bytes, at most ${MAX_LISTING_BYTES})`);
  const text = await response.text();
  if (Buffer.byteLength(text) > MAX_LISTING_BYTES) throw new Error(`listing too large (at most ${MAX_LISTING_BYTES} bytes)`);
  return text;
};

const parseListing = (text: string): RegistryAgent[] => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('listing is not JSON');
  }
  const parsed = RegistryListing.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`invalid listing: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown problem'}`);
};

/**
 * Reads a registry's listing once, within `timeoutMs`, honouring ETag (a 304 keeps what the caller holds) and
 * Cache-Control max-age (how long the caller may keep it). Never throws: every failure, the timeout included,
 * is `{ ok: false, error }`, which the caller records as the registry's health.
 */
export const fetchRegistryListing = async (options: RegistryFetchOptions): Promise<RegistryFetch> => {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const url = listingUrl(options.url);
    await options.assertUrl(url);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.etag) headers['if-none-match'] = options.etag;
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    // Redirects are not followed: the SSRF guard checked this host, not wherever a redirect points.
    const response = await fetch(url, { headers, signal, redirect: 'manual' });
    const maxAgeSeconds = maxAgeOf(response.headers.get('cache-control'));
    const etag = response.headers.get('etag');
    if (response.status === 304) return { ok: true, notModified: true, etag: etag ?? options.etag ?? null, maxAgeSeconds };
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, error: `GET /agents answered HTTP ${response.status}` };
    }
    return { ok: true, notModified: false, agents: parseListing(await readCapped(response)), etag, maxAgeSeconds };
  } catch (error) {
    if (timeout.aborted) return { ok: false, error: `no answer within ${options.timeoutMs} ms` };
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
};
