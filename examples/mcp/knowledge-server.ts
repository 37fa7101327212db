/**
 * An example MCP server for the demo agents: a tiny knowledge base (`lookup`) and a text tool (`word_count`).
 * Runs over stdio (`--stdio`, the way an agent's `mcpServers.<name>.command` starts it) or Streamable HTTP
 * (`--http [--port 8765]`, served at `/mcp`). Real deployments would point agents at real MCP servers.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

const FACTS: Record<string, string[]> = {
  jetstream: ['JetStream is the persistence layer of NATS.', 'Streams keep messages; consumers read them with acks.'],
  a2a: ['A2A is a protocol for agents to call agents over HTTP.', 'A task has a state such as working or completed.'],
  'event sourcing': ['State is derived from an append-only log of events.', 'Read models can be rebuilt by replaying the log.'],
};

export const createKnowledgeServer = (): McpServer => {
  const server = new McpServer({ name: 'shaman-example-knowledge', version: '1.0.0' });
  server.registerTool(
    'lookup',
    { description: 'Facts about a topic from a small knowledge base.', inputSchema: { topic: z.string() }, outputSchema: { topic: z.string(), facts: z.array(z.string()) } },
    ({ topic }) => {
      const facts = FACTS[topic.trim().toLowerCase()] ?? [`No facts about ${topic} yet.`];
      return { content: [{ type: 'text', text: facts.join(' ') }], structuredContent: { topic, facts } };
    },
  );
  server.registerTool(
    'word_count',
    { description: 'Counts the words and characters of a text.', inputSchema: { text: z.string() }, outputSchema: { words: z.number(), characters: z.number() } },
    ({ text }) => {
      const counts = { words: text.split(/\s+/).filter(Boolean).length, characters: text.length };
      return { content: [{ type: 'text', text: JSON.stringify(counts) }], structuredContent: counts };
    },
  );
  return server;
};

/** Serves the knowledge server statelessly over Streamable HTTP at `/mcp` on 127.0.0.1. */
export const startKnowledgeHttpServer = async (port = 0): Promise<{ url: string; close(): Promise<void> }> => {
  const http: Server = createServer((req, res) => {
    void (async () => {
      // Stateless: every request gets its own server and transport, so nothing leaks between callers.
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close());
      await createKnowledgeServer().connect(transport);
      await transport.handleRequest(req, res);
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const actual = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/mcp`,
    close: () => new Promise<void>((resolve) => (http.closeAllConnections(), http.close(() => resolve()))),
  };
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--http')) {
    const at = process.argv.indexOf('--port');
    const server = await startKnowledgeHttpServer(at > 0 ? Number(process.argv[at + 1]) : 8765);
    process.stderr.write(`knowledge MCP server at ${server.url}\n`);
  } else {
    await createKnowledgeServer().connect(new StdioServerTransport());
  }
}
