import type { Output } from '../output.js';
import { clip } from '../replay/format.js';
import type { ReexecuteResult } from '../replay/reexecute-run.js';

type Asked = { event: unknown; request: { messages?: unknown; tools?: unknown } | null };

/** Prints a `--reexecute` outcome; the exit code: 0 when identical, 1 at a divergence. */
export const printReexecuteResult = (out: Output, result: ReexecuteResult & { runId: string }): number => {
  const { divergence } = result;
  if (out.json) {
    out.data({ runId: result.runId, identical: divergence === null, steps: result.steps, modelCalls: result.modelCalls, divergence });
    return divergence === null ? 0 : 1;
  }
  if (divergence === null) {
    out.line(`${out.green('identical')}: ${result.steps} steps re-executed, ${result.modelCalls} model calls answered from the recording, every decision as recorded`);
    return 0;
  }
  const asked = divergence.actual as Asked;
  out.line(out.red(`diverges at step ${divergence.stepId} (${divergence.agent}), decision ${divergence.position}: ${divergence.what}`));
  out.line(`  recorded:    ${clip(divergence.expected, 300)}`);
  out.line(`  re-executed: ${clip(asked.event, 300)}`);
  if (asked.request) out.line(`  request now: ${clip({ messages: asked.request.messages, tools: asked.request.tools }, 600)}`);
  return 1;
};
