import type { Part } from '@shaman/events';
import type { V1Message, V1Part } from './v1-shapes.js';

/**
 * v0.3 data parts hold an object; v1.0 data may be any JSON value. A non-object value travels inside
 * `{value}`, marked in the part's metadata so it comes back out unwrapped.
 */
const WRAPPED = 'shaman:wrappedValue';

const meta = (m: Record<string, unknown> | undefined) => (m ? { metadata: m } : {});
const fileMeta = (p: { filename?: string; mediaType?: string }) => ({ ...(p.filename ? { name: p.filename } : {}), ...(p.mediaType ? { mimeType: p.mediaType } : {}) });

export const partFromV1 = (p: V1Part): Part => {
  if (p.text !== undefined) return { kind: 'text', text: p.text, ...meta(p.metadata) };
  if (p.raw !== undefined) return { kind: 'file', file: { bytes: p.raw, ...fileMeta(p) }, ...meta(p.metadata) };
  if (p.url !== undefined) return { kind: 'file', file: { uri: p.url, ...fileMeta(p) }, ...meta(p.metadata) };
  const data = p.data;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) return { kind: 'data', data: data as Record<string, unknown>, ...meta(p.metadata) };
  return { kind: 'data', data: { value: data }, metadata: { ...p.metadata, [WRAPPED]: true } };
};

type AnyPart = { kind?: string; text?: unknown; data?: unknown; file?: { bytes?: string; uri?: string; name?: string; mimeType?: string }; metadata?: Record<string, unknown> };

export const partToV1 = (part: AnyPart): Record<string, unknown> => {
  const { [WRAPPED]: wrapped, ...rest } = part.metadata ?? {};
  const metadata = Object.keys(rest).length > 0 ? { metadata: rest } : {};
  if (part.kind === 'text') return { text: part.text, ...metadata };
  if (part.kind === 'data') return { data: wrapped ? (part.data as { value?: unknown }).value : part.data, ...metadata };
  const file = part.file ?? {};
  const names = { ...(file.name ? { filename: file.name } : {}), ...(file.mimeType ? { mediaType: file.mimeType } : {}) };
  return file.bytes !== undefined ? { raw: file.bytes, ...names, ...metadata } : { url: file.uri, ...names, ...metadata };
};

const ROLE_FROM_V1 = { ROLE_USER: 'user', ROLE_AGENT: 'agent' } as const;

/** A v1.0 Message as the v0.3 object the handlers take. */
export const messageFromV1 = (m: V1Message) => ({
  kind: 'message' as const,
  ...m,
  role: ROLE_FROM_V1[m.role],
  parts: m.parts.map(partFromV1),
});

type AnyMessage = { kind?: string; role?: string; parts?: AnyPart[] } & Record<string, unknown>;

export const messageToV1 = (m: AnyMessage): Record<string, unknown> => {
  const { kind: _kind, role, parts, ...rest } = m;
  return { ...rest, role: role === 'agent' ? 'ROLE_AGENT' : 'ROLE_USER', parts: (parts ?? []).map(partToV1) };
};
