import { z } from 'zod';

/** Text content of a message. */
export const TextPart = z.object({ kind: z.literal('text'), text: z.string(), metadata: z.record(z.string(), z.unknown()).optional() });
/** Structured content of a message. */
export const DataPart = z.object({
  kind: z.literal('data'),
  data: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
/** A file, inline (base64) or by URI. */
export const FilePart = z.object({
  kind: z.literal('file'),
  file: z.union([
    z.object({ bytes: z.string(), name: z.string().optional(), mimeType: z.string().optional() }),
    z.object({ uri: z.string(), name: z.string().optional(), mimeType: z.string().optional() }),
  ]),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
/** One part of a message, in the A2A v0.3 shape (the `kind` discriminator). */
export const Part = z.discriminatedUnion('kind', [TextPart, DataPart, FilePart]);
export type Part = z.infer<typeof Part>;

/** A message as recorded in events: what a caller sent, or what an agent answered. */
export const ChatMessage = z.object({
  messageId: z.string().min(1),
  role: z.enum(['user', 'agent']),
  parts: z.array(Part).min(1),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** The text of a message's text parts, joined by blank lines; what a model sees of it. */
export const messageText = (message: Pick<ChatMessage, 'parts'>): string =>
  message.parts.flatMap((p) => (p.kind === 'text' ? [p.text] : p.kind === 'data' ? [JSON.stringify(p.data)] : [])).join('\n\n');
