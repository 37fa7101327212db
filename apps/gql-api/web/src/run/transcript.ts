import type { StepDetail } from '../api/operations';
import { formatDuration, formatUsd, json } from '../format';

/** One line of a step's transcript: a message, a model answer, a tool call, a question. */
export type TranscriptEntry = { key: string; kind: 'user' | 'agent' | 'llm' | 'tool' | 'tool-error' | 'question'; at: number; title: string; body: string };

const time = (iso: string | null | undefined, fallback: number): number => {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(t) ? t : fallback;
};

/**
 * The step's messages, model calls, tool calls and questions in time order (ties keep this order: a model
 * answer before the tool calls it asked for). The output message has no time until the step completes: last.
 */
export const transcriptOf = (step: StepDetail): TranscriptEntry[] => {
  const entries: TranscriptEntry[] = [];
  const end = Number.MAX_SAFE_INTEGER;
  step.messages.forEach((m, i) => {
    entries.push({ key: `m${i}`, kind: m.role === 'USER' ? 'user' : 'agent', at: time(m.at, end), title: m.role === 'USER' ? 'User' : 'Agent', body: m.text ?? json(m.message) });
  });
  for (const c of step.llmCalls) {
    const cost = c.cost ? ` · ${formatUsd(c.cost.usd)}` : '';
    const asked = c.toolCallCount > 0 ? `asked for ${c.toolCallCount} tool call${c.toolCallCount === 1 ? '' : 's'}` : '';
    entries.push({
      key: `l${c.iteration}`,
      kind: 'llm',
      at: time(c.respondedAt, end),
      title: `Model ${c.model} · iteration ${c.iteration} · ${c.inputTokens}→${c.outputTokens} tok · ${formatDuration(c.latencyMs)}${cost}`,
      body: [c.content ?? '', asked].filter(Boolean).join('\n'),
    });
  }
  for (const t of step.toolCalls) {
    const outcome = !t.completed ? '(waiting)' : t.isError ? json(t.error) : json(t.result);
    entries.push({
      key: `t${t.toolCallId}`,
      kind: t.isError ? 'tool-error' : 'tool',
      at: time(t.calledAt, end) + 0.5,
      title: `Tool ${t.name}${t.completed ? ` · ${formatDuration(t.latencyMs)}${t.isError ? ' · error' : ''}` : ' · running'}`,
      body: `${json(t.arguments)}\n→ ${outcome}`,
    });
  }
  for (const q of step.inputRequests) {
    entries.push({
      key: `q${q.toolCallId}`,
      kind: 'question',
      at: time(q.requestedAt, end) + 0.7,
      title: q.answered ? 'Question (answered)' : 'Question (waiting for an answer)',
      body: q.answered ? `${q.question}\n→ ${q.answerText ?? ''}` : q.question,
    });
  }
  return entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map(({ e }) => e);
};
