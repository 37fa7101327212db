import type { GqlContext } from '../graphql/context.js';
import { money, NO_USAGE, type Money, type UsageTotals } from '../usage/money.js';
import { durationMs, outputText, type Step } from './run.mapper.js';
import type { InputRequest, LlmCall, ToolCall } from './step-activity.mapper.js';

type StepMessage = { role: 'USER' | 'AGENT'; message: unknown; at: Date | null };

const usageOfStep = async (parent: Step, ctx: GqlContext): Promise<UsageTotals> => (await ctx.runLoaders.usageOfStep.load(parent.id)) ?? NO_USAGE;

/** Input first, then the answers a person gave, then the output: the order they happened in. */
const messages = async (parent: Step, _: unknown, ctx: GqlContext): Promise<StepMessage[]> => {
  const answers = (await ctx.runLoaders.inputRequestsOfStep.load(parent.id)).flatMap((r): StepMessage[] =>
    r.answer === null ? [] : [{ role: 'USER', message: r.answer, at: r.answeredAt }],
  );
  const output: StepMessage[] = parent.output === null ? [] : [{ role: 'AGENT', message: parent.output, at: parent.completedAt }];
  return [{ role: 'USER', message: parent.input, at: parent.createdAt }, ...answers, ...output];
};

export const stepResolvers = {
  Step: {
    llmCallCount: (parent: Step): number => parent.llmCallCount,
    toolCallCount: (parent: Step): number => parent.toolCallCount,
    usage: (parent: Step, _: unknown, ctx: GqlContext): Promise<UsageTotals> => usageOfStep(parent, ctx),
    cost: async (parent: Step, _: unknown, ctx: GqlContext): Promise<Money> => money((await usageOfStep(parent, ctx)).costMicros),
    durationMs: (parent: Step): number | null => durationMs(parent.startedAt, parent.completedAt),
    messages,
    toolCalls: (parent: Step, _: unknown, ctx: GqlContext): Promise<ToolCall[]> => ctx.runLoaders.toolCallsOfStep.load(parent.id),
    llmCalls: (parent: Step, _: unknown, ctx: GqlContext): Promise<LlmCall[]> => ctx.runLoaders.llmCallsOfStep.load(parent.id),
    inputRequests: (parent: Step, _: unknown, ctx: GqlContext): Promise<InputRequest[]> => ctx.runLoaders.inputRequestsOfStep.load(parent.id),
  },
  StepMessage: { text: (parent: StepMessage): string | null => outputText(parent.message) },
  ToolCall: {
    completed: (parent: ToolCall): boolean => parent.resultedAt !== null,
    completedAt: (parent: ToolCall): Date | null => parent.resultedAt,
    result: (parent: ToolCall): unknown => (parent.isError === false ? parent.output : null),
    error: (parent: ToolCall): unknown => (parent.isError === true ? parent.output : null),
  },
  LlmCall: { cost: (parent: LlmCall): Money | null => (parent.costMicros === null ? null : money(parent.costMicros)) },
  StepInputRequest: {
    question: (parent: InputRequest): string => parent.prompt,
    answered: (parent: InputRequest): boolean => parent.answeredAt !== null,
    answerText: (parent: InputRequest): string | null => outputText(parent.answer),
  },
};
