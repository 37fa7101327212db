import type { Part } from '@shaman/events';
import { A2AError } from '../errors.js';
import type { MessageSendParams } from '../jsonrpc/params.js';

// `@Agent`, or `@repo/Agent` when several synced repositories offer an agent of that name.
const MENTION = /^@([A-Za-z0-9][A-Za-z0-9_-]*(?:\/[A-Za-z0-9][A-Za-z0-9_-]*)?)\s*/;

/**
 * Which agent a message is for (DESIGN §5): `params.metadata.agent` (canonical), then the message's own
 * metadata, then an `@AgentName` prefix in the first text part (which is stripped from what the agent sees).
 */
export const addressedAgent = (params: MessageSendParams): { agent: string; parts: Part[] } => {
  const fromMeta = params.metadata?.['agent'] ?? params.message.metadata?.['agent'];
  if (typeof fromMeta === 'string' && fromMeta.length > 0) return { agent: fromMeta, parts: params.message.parts };
  const [first, ...rest] = params.message.parts;
  const mention = first?.kind === 'text' ? MENTION.exec(first.text) : null;
  if (first?.kind === 'text' && mention?.[1]) {
    const text = first.text.slice(mention[0].length);
    return { agent: mention[1], parts: text.length > 0 ? [{ ...first, text }, ...rest] : rest.length > 0 ? rest : [{ ...first, text }] };
  }
  throw new A2AError('invalid_params', 'Invalid params: name the agent in params.metadata.agent or start the text with @AgentName', [
    { path: 'metadata.agent', message: 'required' },
  ]);
};
