import { z } from 'zod';
import { gqlError } from '../errors.js';
import type { CommitFeed } from './commit-feed.js';
import type { SubscriptionContext } from './subscription-context.js';

const Sequence = z.number().int().nonnegative();

/**
 * A feed of the caller's organization on `filter` (which must start with the organization's subjects) that
 * delivers what is committed after `afterSequence`, or, without it, after the last commit on the filter at
 * subscribe time: "from now on". Reading that last sequence first and then starting the consumer just after it
 * loses nothing committed in between, since the consumer starts at a sequence, not at "new".
 */
export const openOrgFeed = async (ctx: SubscriptionContext, options: { filter: string; afterSequence: number | null | undefined }): Promise<CommitFeed> => {
  const after = options.afterSequence ?? null;
  if (after !== null && !Sequence.safeParse(after).success) throw gqlError('BAD_USER_INPUT', 'afterSequence must be 0 or more');
  const from = after ?? (await ctx.live.store.lastCommit(options.filter))?.seq ?? 0;
  return ctx.live.feeds.open({ filter: options.filter, fromSeq: from + 1 });
};
