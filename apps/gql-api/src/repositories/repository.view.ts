import { secretReferences } from '@shaman/agents';
import type { RepositoryRecord } from '@shaman/platform';

/** A repository as GraphQL shows it. Built from the record field by field: nothing sealed can slip through. */
export type RepositoryView = {
  id: string;
  name: string;
  url: string;
  branch: string;
  hasToken: boolean;
  hasWebhook: boolean;
  webhookPath: string;
  syncIntervalSeconds: number;
  lastCommit: string | null;
  lastSyncedAt: Date | null;
  syncErrors: { file: string; line: number; field: string | null; message: string }[];
  agents: { name: string; commit: string; file: string }[];
  aliases: { alias: string; agent: string }[];
  externalAgents: { name: string; url: string; description: string; protocolVersion: string; authType: string; secrets: string[] }[];
  createdAt: Date;
};

const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);

const externalAgentView = (name: string, raw: Record<string, unknown>): RepositoryView['externalAgents'][number] => {
  const auth = (raw['auth'] ?? {}) as Record<string, unknown>;
  const credentials = [auth['token'], auth['value']].filter((v): v is string => typeof v === 'string');
  return {
    name,
    url: text(raw['url']),
    description: text(raw['description']),
    protocolVersion: text(raw['protocolVersion'], '0.3'),
    authType: text(auth['type'], 'none'),
    secrets: credentials.flatMap(secretReferences),
  };
};

export const toRepositoryView = (repo: RepositoryRecord): RepositoryView => ({
  id: repo.id,
  name: repo.name,
  url: repo.url,
  branch: repo.branch,
  hasToken: repo.tokenCiphertext !== null,
  hasWebhook: repo.hasWebhook,
  webhookPath: `/webhooks/repositories/${repo.id}`,
  syncIntervalSeconds: repo.syncIntervalSeconds,
  lastCommit: repo.lastCommit,
  lastSyncedAt: repo.lastSyncedAt,
  syncErrors: repo.lastErrors ?? [],
  agents: Object.entries(repo.agents).map(([name, live]) => ({ name, commit: live.commit, file: live.file })),
  aliases: Object.entries(repo.aliases).map(([alias, agent]) => ({ alias, agent })),
  externalAgents: Object.entries(repo.externalAgents).map(([name, raw]) => externalAgentView(name, raw)),
  createdAt: repo.createdAt,
});
