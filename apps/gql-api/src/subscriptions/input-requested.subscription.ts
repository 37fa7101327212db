import { stepRequestStream, type StepAddress, type StepInputRequired } from '@shaman/events';
import type { CommitFeed } from './commit-feed.js';
import { eventItself, stoppable } from './live-iterator.js';
import { openOrgFeed } from './org-feed.js';
import { readThrough } from './read-through.js';
import { orgOf, type LiveDeps, type SubscriptionContext } from './subscription-context.js';

export type InputRequest = {
  sequence: number;
  runId: string;
  stepId: string;
  agent: string | null;
  toolCallId: string;
  prompt: string;
  requestedAt: string;
};

/** The agent a step was requested for: its RunRequested, the first commit on its request subject. */
const agentOf = async (live: LiveDeps, step: StepAddress): Promise<string | null> => {
  const filter = stepRequestStream(step);
  const last = await live.store.lastCommit(filter);
  if (last === null) return null;
  for await (const commit of readThrough(live.feeds, { filter, through: last.seq })) {
    const requested = commit.events.find((e) => e.type === 'RunRequested');
    if (requested) return requested.data.agent.name;
  }
  return null;
};

const toRequest = async (live: LiveDeps, asked: { seq: number; event: StepInputRequired }): Promise<InputRequest> => {
  const { metadata, data } = asked.event;
  return {
    sequence: asked.seq,
    runId: metadata.runId,
    stepId: metadata.stepId,
    agent: await agentOf(live, metadata),
    toolCallId: data.toolCallId,
    prompt: data.prompt,
    requestedAt: metadata.at,
  };
};

async function* inputRequests(ctx: SubscriptionContext, feed: CommitFeed): AsyncGenerator<InputRequest> {
  try {
    for await (const commit of feed) {
      for (const event of commit.events) {
        // The filter is the organization's; the metadata check only guards against a mis-addressed event.
        if (event.type === 'StepInputRequired' && event.metadata.orgId === ctx.principal.orgId) yield await toRequest(ctx.live, { seq: commit.seq, event });
      }
    }
  } finally {
    await feed.close();
  }
}

export const inputRequestedSubscription = {
  subscribe: async (_: unknown, args: { afterSequence?: number | null }, ctx: SubscriptionContext): Promise<AsyncGenerator<InputRequest>> => {
    // Questions are recorded by executors, on event subjects only.
    const feed = await openOrgFeed(ctx, { filter: `evt.${orgOf(ctx)}.>`, afterSequence: args.afterSequence });
    return stoppable(inputRequests(ctx, feed), feed.close);
  },
  resolve: eventItself<InputRequest>,
};
