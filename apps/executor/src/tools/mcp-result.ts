import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';
import { McpToolsError } from './mcp-tools.error.js';

/** What the model is told about content it cannot read as text (images, audio, resources). */
export type ContentSummary = { type: string; mimeType?: string; uri?: string };

const summarise = (block: Exclude<ContentBlock, { type: 'text' }>): ContentSummary => {
  switch (block.type) {
    case 'image':
    case 'audio':
      return { type: block.type, mimeType: block.mimeType };
    case 'resource':
      return { type: block.type, uri: block.resource.uri, ...(block.resource.mimeType ? { mimeType: block.resource.mimeType } : {}) };
    case 'resource_link':
      return { type: block.type, uri: block.uri, ...(block.mimeType ? { mimeType: block.mimeType } : {}) };
  }
};

const textOf = (content: readonly ContentBlock[]): string =>
  content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');

/**
 * A tool call's result as the executor records it: `structuredContent` when the server gives it, else the
 * text joined; non-text blocks are summarised (their bytes would only waste the model's context), and then
 * the output is `{ text, content }`. An `isError` result throws, naming the tool, with the server's text.
 */
export const toolOutput = (tool: string, result: CallToolResult): unknown => {
  if (result.isError === true) {
    throw new McpToolsError('mcp.tool_failed', textOf(result.content) || `tool ${tool} failed without a message`);
  }
  if (result.structuredContent !== undefined) return result.structuredContent;
  const others = result.content.flatMap((block) => (block.type === 'text' ? [] : [summarise(block)]));
  const text = textOf(result.content);
  return others.length === 0 ? text : { text, content: others };
};
