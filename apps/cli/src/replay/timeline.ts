import { messageText, type ShamanEvent } from '@shaman/events';
import { clip, dollars, duration, shortId, tokens, type Paint } from './format.js';
import type { RecordedEvent } from './run-recording.js';

/** The key facts of one event, on one line. */
const facts = (event: ShamanEvent, paint: Paint): string => {
  switch (event.type) {
    case 'RunRequested': {
      const { agent, parentStepId, depth, message, initiator } = event.data;
      const parent = parentStepId === null ? 'root' : `child of ${shortId(parentStepId)}, depth ${depth}`;
      return `${agent.name}${agent.commit ? `@${agent.commit.slice(0, 7)}` : ''} (${parent}) by ${initiator.kind}:${initiator.id} "${clip(messageText(message))}"`;
    }
    case 'RunCancelRequested':
      return `by ${event.data.requestedBy.kind}:${event.data.requestedBy.id}${event.data.reason ? `: ${clip(event.data.reason)}` : ''}`;
    case 'StepInputProvided':
      return `by ${event.data.providedBy.kind}:${event.data.providedBy.id} "${clip(messageText(event.data.message))}"`;
    case 'StepStarted':
      return `model ${event.data.model}, executor ${event.data.executorId}, attempt ${event.data.attempt}`;
    case 'StepResumed':
      return `executor ${event.data.executorId}, attempt ${event.data.attempt}`;
    case 'LlmResponded': {
      const { iteration, provider, model, response, usage, latencyMs, cache } = event.data;
      const calls = response.toolCalls.length > 0 ? `, calls ${response.toolCalls.map((c) => c.name).join(', ')}` : '';
      // A response the model cache answered: no provider was called (the cost line says `cached` too).
      const cached = cache?.hit === true ? `, cached (stored ${cache.storedAt})` : '';
      return `#${iteration} ${provider}/${model} ${tokens(usage.inputTokens, usage.outputTokens)}, ${response.finishReason}${calls}, ${duration(latencyMs)}${cached}`;
    }
    case 'UsageRecorded':
      return `#${event.data.iteration} ${event.data.model} ${tokens(event.data.inputTokens, event.data.outputTokens)}, cost ${dollars(event.data.costMicros)} (${event.data.priceTable})`;
    case 'ToolCalled':
      return `${paint.cyan(event.data.name)} ${clip(event.data.arguments)}`;
    case 'ToolResulted': {
      const status = event.data.isError ? paint.red('error') : 'ok';
      return `${paint.cyan(event.data.name)} ${status} in ${duration(event.data.latencyMs)}: ${clip(event.data.output)}`;
    }
    case 'StepInputRequired':
      return `asks "${clip(event.data.prompt)}"`;
    case 'StepCompleted':
      return `${tokens(event.data.usage.inputTokens, event.data.usage.outputTokens)}, ${event.data.iterations} iterations: "${clip(messageText(event.data.output))}"`;
    case 'StepFailed':
      return paint.red(`${event.data.error.code}: ${clip(event.data.error.message, 120)}`);
    case 'StepCanceled':
      return event.data.reason ? clip(event.data.reason) : '';
    case 'RunDataWritten':
      return `${event.data.key} = ${clip(event.data.value, 40)}`;
    case 'AgentCalled':
      return `${paint.cyan(event.data.agent)} as ${shortId(event.data.childStepId)} (${event.data.mode})`;
    case 'AgentAwaited':
      return `waits for ${shortId(event.data.childStepId)}`;
    case 'ToolsOffered':
      return `${event.data.tools.length} tools: ${clip(event.data.tools.map((t) => t.name).join(', '), 120)}`;
    case 'StepRetryScheduled':
      return paint.red(`attempt ${event.data.attempt} failed (${event.data.kind}), retry in ${duration(event.data.delayMs)}: ${clip(event.data.error, 120)}`);
    case 'StepDeadLettered':
      return paint.red(`dead-lettered after ${event.data.attempts} attempts (${event.data.kind}): ${clip(event.data.error, 120)}`);
    case 'StepDeadlineExceeded':
      return paint.red(`${event.data.scope} deadline of ${duration(event.data.timeoutMs)} passed at ${event.data.deadline}`);
    case 'ChildStepEnded': {
      const { outcome } = event.data;
      const said = outcome.state === 'completed' ? `"${clip(outcome.text)}"` : outcome.state === 'failed' ? paint.red(clip(outcome.message, 120)) : (outcome.reason ?? '');
      return `${event.data.agent} ${shortId(event.data.childStepId)} ${outcome.state} ${said}`.trimEnd();
    }
  }
};

const typeColor = (event: ShamanEvent, paint: Paint): ((s: string) => string) => {
  if (event.type === 'StepFailed') return paint.red;
  if (event.type === 'StepCompleted') return paint.green;
  return paint.bold;
};

/** The agent of every step of the run, from its request (or its claim, should the request be missing). */
export const agentsByStep = (events: readonly RecordedEvent[]): Map<string, string> => {
  const agents = new Map<string, string>();
  for (const { event } of events) {
    if (event?.type === 'RunRequested' || (event?.type === 'StepStarted' && !agents.has(event.metadata.stepId))) {
      agents.set(event.metadata.stepId, event.data.agent.name);
    }
  }
  return agents;
};

/**
 * One line per event: time since the run's first event (producer time, `metadata.at`), the step and its agent,
 * the event type and its key facts. An event that does not parse is shown by its sequence, never dropped.
 */
export const formatTimeline = (events: readonly RecordedEvent[], paint: Paint): string[] => {
  const agents = agentsByStep(events);
  const times = events.flatMap((e) => [e.event?.metadata.at, e.lifecycle?.metadata.at]).flatMap((at) => (at === undefined ? [] : [Date.parse(at)]));
  const start = times.length > 0 ? Math.min(...times) : 0;
  const offset = (at: string): string => paint.dim(`+${duration(Math.max(0, Date.parse(at) - start))}`.padStart(9));
  return events.map(({ seq, event, lifecycle, raw }) => {
    if (lifecycle !== null) {
      const { initiator, label } = lifecycle.data;
      return `${offset(lifecycle.metadata.at)}  ${'run'.padEnd(24)}  ${paint.bold(lifecycle.type.padEnd(18))} by ${initiator.kind}:${initiator.id}${label ? ` "${clip(label)}"` : ''}`;
    }
    if (event === null) return paint.red(`  #${seq}  event that does not parse (${clip((raw as { type?: unknown } | null)?.type ?? raw, 40)})`);
    const step = `${shortId(event.metadata.stepId)} ${agents.get(event.metadata.stepId) ?? '?'}`.padEnd(24);
    return `${offset(event.metadata.at)}  ${step}  ${typeColor(event, paint)(event.type.padEnd(18))} ${facts(event, paint)}`.trimEnd();
  });
};
