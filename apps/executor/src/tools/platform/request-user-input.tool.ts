import { z } from 'zod';
import type { Tool, ToolSource } from '../../activities/call-tool.activity.js';

/** The platform tool a model calls to ask the person behind the run a question (A2A `input-required`). */
export const REQUEST_USER_INPUT = 'request_user_input';

const Args = z.object({ prompt: z.string().trim().min(1).max(10_000) });

/** The question of a `request_user_input` call; throws (the model's observation) when the arguments are invalid. */
export const promptOf = (args: unknown): string => {
  const parsed = Args.safeParse(args);
  if (parsed.success) return parsed.data.prompt;
  throw new Error(`${REQUEST_USER_INPUT}: invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
};

const tool: Tool = {
  name: REQUEST_USER_INPUT,
  description:
    'Ask the user a question and wait for the answer, which you receive as this tool\'s result. Use it when you cannot go on without information only the user has.',
  inputSchema: { type: 'object', properties: { prompt: { type: 'string', description: 'The question to ask the user' } }, required: ['prompt'] },
  // A valid call never reaches here: the step records it as `StepInputRequired` and parks (run-step). Only
  // invalid arguments are "invoked", so the model sees why its question was refused.
  invoke: async ({ call }) => {
    promptOf(call.arguments);
    throw new Error(`${REQUEST_USER_INPUT} is answered by the user, not invoked`);
  },
};

/**
 * `request_user_input`, offered to agents whose `tools` list it. The executor does not hold the step while the
 * user thinks: it records the question and lets go; the answer arrives as a request event (`StepInputProvided`).
 */
export const requestUserInputToolSource = (): ToolSource => ({
  toolsFor: async (agent) => new Map(agent.tools.includes(REQUEST_USER_INPUT) ? [[REQUEST_USER_INPUT, tool]] : []),
});
