import { evolveStep, initialStepState, type Step, type StepStreamEvent } from '@shaman/domain';
import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, stepRequestStream, type StepAddress } from '@shaman/events';
import type { PoolClient } from '@shaman/platform';

/** A step as its event log says it is now, and the last sequence of its request subject (for racing writes). */
export type LoggedStep = { address: StepAddress; state: Step; requestVersion: bigint; eventIds: ReadonlySet<string> };

/** Where a step lives: the read model knows its run (GraphQL callers name only the step). */
export const addressOfStep = async (client: PoolClient, orgId: string, stepId: string): Promise<StepAddress | null> => {
  const row = (await client.query<{ run_id: string }>('SELECT run_id FROM steps WHERE org_id = $1 AND id = $2', [orgId, stepId])).rows[0];
  return row ? ({ orgId, runId: row.run_id, stepId } as StepAddress) : null;
};

/**
 * Rebuilds a step from both its subjects with the domain's own fold, so decisions (is it waiting for input?
 * may it be canceled?) read the log, never the read model, which may be a moment behind.
 */
export const loadLoggedStep = async (store: JetStreamEventStore, address: StepAddress): Promise<LoggedStep> => {
  let state = initialStepState();
  let requestVersion = 0n;
  const eventIds = new Set<string>();
  const requestSubject = store.subjectOf(stepRequestStream(address));
  for await (const stored of store.readFilter(`*.${address.orgId}.${address.runId}.${address.stepId}`)) {
    for (const raw of stored.commit.events) {
      const event = ShamanEvent.parse(raw);
      eventIds.add(event.metadata.eventId);
      state = evolveStep(state, event as StepStreamEvent);
    }
    if (stored.subject === requestSubject) requestVersion = BigInt(stored.seq);
  }
  return { address, state, requestVersion, eventIds };
};
