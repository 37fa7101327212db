import type { JetStreamEventStore } from '@shaman/event-store';
import { eventually, type TestTenant } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, ephemeralConsumers, startLiveServer, until, type LiveServer } from './live-server.fixture.js';
import { append, childOf, eventsOf, newRun } from './run-events.fixture.js';
import { INPUT_REQUESTED, RUN_DAG, RUN_UPDATES, RUNS_UPDATED, type Asked, type DagEvent, type Progress } from './subscription-queries.fixture.js';
import { collect, type Subscription } from './ws-client.fixture.js';

describe('gql-api subscriptions: what they deliver (graphql-ws, real NATS and PostgreSQL)', () => {
  let live: LiveServer;
  let store: JetStreamEventStore;
  let a: TestTenant;
  let b: TestTenant;
  let clientOf: LiveServer['clientOf'];

  beforeAll(async () => {
    live = await startLiveServer();
    ({ store, a, b, clientOf } = live);
  });
  afterAll(async () => {
    await live?.close();
  });

  describe('runDag', () => {
    let root = newRun('');
    const seqs: number[] = [];
    let first: DagEvent[] = [];

    it('sends a snapshot, then every later commit once and in order, while commits land during the subscribe', async () => {
      root = newRun(a.orgId);
      const child = childOf(root);
      const ev = eventsOf(root);
      const llmSeqs: number[] = [];
      seqs.push(await append(store, ev.requested('Assistant')), await append(store, ev.started('Assistant')));
      const late = childOf(root);
      let lateSeq = 0;
      const live: { sub: Subscription<DagEvent> | null } = { sub: null };
      // Appends before, during and after the subscribe: it keeps going until the snapshot has arrived, and 20 more
      // (the 10th of them a new step).
      const appender = (async () => {
        for (let i = 0, after = 0; after < 20; i++) {
          if ((live.sub?.values.length ?? 0) > 0) after++;
          const event = i === 3 ? eventsOf(child).requested('Researcher', root) : after === 10 && lateSeq === 0 ? eventsOf(late).requested('Writer', root) : ev.llm(i);
          const seq = await append(store, event);
          seqs.push(seq);
          if (event.type === 'LlmResponded') llmSeqs.push(seq);
          else if (i !== 3) lateSeq = seq;
        }
      })();
      await eventually(async () => (seqs.length >= 8 ? true : undefined));
      const sub = collect<DagEvent>(clientOf(a), { query: RUN_DAG, variables: { runId: root.runId }, field: 'runDag' });
      live.sub = sub;
      await appender;
      const last = await append(store, ev.completed('done'));
      seqs.push(last);
      first = await until(sub, (v) => v.at(-1)?.sequence === last, 'the completion');
      sub.stop();

      const [snapshot, ...changes] = first;
      expect(snapshot?.kind).toBe('SNAPSHOT');
      const at = snapshot?.sequence ?? 0;
      expect(seqs.filter((s) => s < at).length).toBeGreaterThanOrEqual(8);
      expect(changes.every((c) => c.kind === 'CHANGE')).toBe(true);
      // No gap, no duplicate: exactly the commits after the snapshot, each once, in stream order.
      expect(changes.map((c) => c.sequence)).toEqual(seqs.filter((s) => s > at));
      expect(changes.length).toBeGreaterThan(20);
      // The snapshot is the fold of everything up to its sequence, the last change the fold of everything.
      expect(snapshot?.nodes.find((n) => n.id === root.stepId)).toMatchObject({ llmCalls: llmSeqs.filter((s) => s <= at).length, status: 'WORKING' });
      const finalRoot = changes.at(-1)?.nodes.find((n) => n.id === root.stepId);
      expect(finalRoot).toMatchObject({ status: 'COMPLETED', llmCalls: llmSeqs.length, inputTokens: 10 * llmSeqs.length, sequence: last });
      expect(changes.at(-1)?.run).toMatchObject({ status: 'COMPLETED', stepCount: 3 });
      // The snapshot holds every step and edge so far; the child and its edge are in it (it came before).
      expect(snapshot?.nodes.map((n) => n.id).sort()).toEqual([root.stepId, child.stepId].sort());
      expect(snapshot?.edges).toEqual([{ from: root.stepId, to: child.stepId }]);
      // A change holds only what it changed: the new step with its edge, otherwise the root alone.
      expect(changes.find((c) => c.sequence === lateSeq)).toMatchObject({ nodes: [{ id: late.stepId, parentStepId: root.stepId, status: 'SUBMITTED' }], edges: [{ from: root.stepId, to: late.stepId }] });
      const others = changes.filter((c) => c.sequence !== lateSeq);
      expect(others.every((c) => c.nodes.length === 1 && c.nodes[0]?.id === root.stepId && c.edges.length === 0)).toBe(true);
    });

    it('resumes after a sequence with exactly the changes after it, and no snapshot', async () => {
      const from = seqs[10] ?? 0;
      const sub = collect<DagEvent>(clientOf(a), { query: RUN_DAG, variables: { runId: root.runId, after: from }, field: 'runDag' });
      const resumed = await until(sub, (v) => v.at(-1)?.sequence === seqs.at(-1), 'the completion');
      sub.stop();
      expect(resumed.map((e) => e.sequence)).toEqual(seqs.filter((s) => s > from));
      expect(resumed.every((e) => e.kind === 'CHANGE')).toBe(true);
      // The same fold, so the same changes as the live subscription sent for those commits.
      expect(resumed.filter((e) => e.sequence > (first[0]?.sequence ?? 0))).toEqual(first.slice(1));
    });

    it('answers NOT_FOUND for another organization\'s run, and BAD_USER_INPUT for a run id that is not one', async () => {
      const other = collect<DagEvent>(clientOf(b), { query: RUN_DAG, variables: { runId: root.runId }, field: 'runDag' });
      await eventually(async () => (other.completed ? true : undefined), { what: 'completion' });
      expect(other.values).toEqual([]);
      expect(other.errors.map(codeOf)).toEqual(['NOT_FOUND']);
      const updates = collect<Progress>(clientOf(b), { query: RUN_UPDATES, variables: { runId: root.runId }, field: 'runUpdates' });
      await eventually(async () => (updates.completed ? true : undefined), { what: 'completion' });
      expect(updates.errors.map(codeOf)).toEqual(['NOT_FOUND']);
      const wildcard = collect<DagEvent>(clientOf(a), { query: RUN_DAG, variables: { runId: '>' }, field: 'runDag' });
      await eventually(async () => (wildcard.completed ? true : undefined), { what: 'completion' });
      expect(wildcard.errors.map(codeOf)).toEqual(['BAD_USER_INPUT']);
    });
  });

  it('runUpdates sends the current status, then only changes of status or counters', async () => {
    const step = newRun(a.orgId);
    const ev = eventsOf(step);
    const requested = await append(store, ev.requested('Planner'));
    const sub = collect<Progress>(clientOf(a), { query: RUN_UPDATES, variables: { runId: step.runId }, field: 'runUpdates' });
    await until(sub, (v) => v.length === 1, 'the current status');
    const started = await append(store, ev.started('Planner'));
    await append(store, ev.llm(0, 0)); // no token, no status change: nothing to send
    const completed = await append(store, ev.completed('ok'));
    const values = await until(sub, (v) => v.at(-1)?.sequence === completed, 'the completion');
    sub.stop();
    expect(values.map((v) => [v.sequence, v.status, v.terminal])).toEqual([
      [requested, 'SUBMITTED', false],
      [started, 'WORKING', false],
      [completed, 'COMPLETED', true],
    ]);
    expect(values[0]).toMatchObject({ runId: step.runId, rootAgent: 'Planner', stepCount: 1 });
  });

  it('runsUpdated sends new runs and status changes of the caller\'s organization only', async () => {
    // From a known sequence (graphql-ws does not acknowledge a subscribe, so "from now" would race the appends).
    const after = (await store.lastCommit('>'))?.seq ?? 0;
    const mine = collect<Progress>(clientOf(a), { query: RUNS_UPDATED, variables: { after }, field: 'runsUpdated' });
    const theirs = collect<Progress>(clientOf(b), { query: RUNS_UPDATED, variables: { after }, field: 'runsUpdated' });
    const run = newRun(a.orgId);
    const ev = eventsOf(run);
    const requested = await append(store, ev.requested('Assistant'));
    const started = await append(store, ev.started('Assistant'));
    await append(store, ev.llm(0));
    const child = childOf(run);
    await append(store, eventsOf(child).requested('Researcher', run));
    const completed = await append(store, ev.completed('done'));
    const bRun = newRun(b.orgId);
    const bRequested = await append(store, eventsOf(bRun).requested('Other'));
    const values = await until(mine, (v) => v.at(-1)?.sequence === completed, 'the completion');
    expect(values.map((v) => [v.runId, v.sequence, v.status])).toEqual([
      [run.runId, requested, 'SUBMITTED'],
      [run.runId, started, 'WORKING'],
      [run.runId, completed, 'COMPLETED'],
    ]);
    // b's own run comes after a's commits in the stream: had any of a's reached b, it would be here first.
    expect((await until(theirs, (v) => v.length > 0, 'b run')).map((v) => [v.runId, v.sequence])).toEqual([[bRun.runId, bRequested]]);
    mine.stop();
    theirs.stop();
  });

  it('inputRequested sends each question of the organization with the step\'s agent', async () => {
    const mine = collect<Asked>(clientOf(a), { query: INPUT_REQUESTED, field: 'inputRequested' });
    const theirs = collect<Asked>(clientOf(b), { query: INPUT_REQUESTED, field: 'inputRequested' });
    // "From now" has no acknowledgement: ask probe questions until each subscription has seen one.
    for (const [tenant, sub] of [[a, mine], [b, theirs]] as const) {
      const probe = newRun(tenant.orgId);
      await append(store, eventsOf(probe).requested('Probe'));
      await eventually(async () => (await append(store, eventsOf(probe).inputRequired('ready?')), sub.values.length > 0 ? true : undefined), { what: 'a probe' });
    }
    const seen = { mine: mine.values.length, theirs: theirs.values.length };
    const run = newRun(a.orgId);
    const ev = eventsOf(run);
    await append(store, ev.requested('Travel'));
    await append(store, ev.started('Travel'));
    const asked = await append(store, ev.inputRequired('Which city?'));
    const bRun = newRun(b.orgId);
    await append(store, eventsOf(bRun).requested('Other'));
    const bAsked = await append(store, eventsOf(bRun).inputRequired('Which date?'));
    const mineNew = (await until(mine, (v) => v.at(-1)?.sequence === asked, 'a question')).slice(seen.mine).filter((v) => v.prompt !== 'ready?');
    expect(mineNew).toEqual([{ sequence: asked, runId: run.runId, stepId: run.stepId, agent: 'Travel', prompt: 'Which city?' }]);
    const theirsNew = (await until(theirs, (v) => v.at(-1)?.sequence === bAsked, 'b question')).slice(seen.theirs).filter((v) => v.prompt !== 'ready?');
    expect(theirsNew.map((v) => [v.sequence, v.prompt])).toEqual([[bAsked, 'Which date?']]);
    expect(mine.values.every((v) => v.runId !== bRun.runId) && theirs.values.every((v) => v.runId !== run.runId)).toBe(true);
    mine.stop();
    theirs.stop();
  });

  it('leaves no consumer on the stream once the subscriptions have ended', async () => {
    // Live feeds and the short reads behind runsUpdated and inputRequested alike.
    expect(await eventually(async () => ((await ephemeralConsumers(store)).length === 0 ? [] : undefined), { what: 'no consumer' })).toEqual([]);
  });
});
