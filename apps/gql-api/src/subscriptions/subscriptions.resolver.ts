import { inputRequestedSubscription } from './input-requested.subscription.js';
import { runDagSubscription, runUpdatesSubscription } from './run-dag.subscription.js';
import { runsUpdatedSubscription } from './runs-updated.subscription.js';

/** Subscription resolvers; they run only over the WebSocket endpoint, whose context is a `SubscriptionContext`. */
export const subscriptionsResolvers = {
  Subscription: {
    runDag: runDagSubscription,
    runUpdates: runUpdatesSubscription,
    runsUpdated: runsUpdatedSubscription,
    inputRequested: inputRequestedSubscription,
  },
};
