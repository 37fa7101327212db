import { z } from 'zod';
import { defineEvent } from './define-event.js';

/** One tool as the model was told about it: what a provider puts in the request's tool list. */
export const OfferedTool = z.object({
  name: z.string().min(1),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
});
export type OfferedTool = z.infer<typeof OfferedTool>;

/**
 * The tools the step's model is offered from this model call on: the tool list of the model request, which
 * is part of its hash (`LlmResponded.requestHash`) but not otherwise recorded. Recorded in the same commit as,
 * and right before, the first `LlmResponded` it applies to, and again only when the set changes, so a step
 * normally records it once (and never, when its agent has no tools: the empty set is assumed until one is
 * recorded). Re-execution (`shaman replay --reexecute`) offers exactly these, answered from the recording.
 */
export const ToolsOffered = defineEvent('ToolsOffered', z.object({ tools: z.array(OfferedTool) }));
export type ToolsOffered = z.infer<typeof ToolsOffered>;
