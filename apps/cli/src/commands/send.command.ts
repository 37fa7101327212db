import { A2AClientError, replyText, sendMessage } from '../a2a-client.js';
import type { CliConfig } from '../config.js';
import { readDevState } from '../dev-state.js';
import type { Output } from '../output.js';

/** `shaman send <agent> <text…>`: one blocking A2A call; prints the reply (or the Task with --json). */
export const sendCommand = async (config: CliConfig, out: Output, input: { agent?: string; text: string; apiKey?: string; gateway?: string }): Promise<number> => {
  if (!input.agent || !input.text) {
    out.error('usage: shaman send <agent> <text…> [--key sk_…] [--gateway http://…] [--json]');
    return 2;
  }
  const dev = await readDevState(config.SHAMAN_DEV_DIR);
  const apiKey = input.apiKey ?? config.SHAMAN_API_KEY ?? dev?.apiKey;
  const gatewayUrl = input.gateway ?? config.SHAMAN_GATEWAY_URL ?? dev?.gatewayUrl ?? `http://127.0.0.1:${config.GATEWAY_PORT}`;
  if (!apiKey) {
    out.error('no API key: pass --key, set SHAMAN_API_KEY, or run `npm start` once to seed the demo organization');
    return 2;
  }
  try {
    const task = await sendMessage({ gatewayUrl, apiKey, agent: input.agent, text: input.text });
    if (out.json) out.data(task);
    else {
      const state = task.status.state === 'completed' ? out.green(task.status.state) : out.red(task.status.state);
      out.line(`${out.bold(input.agent)} ${out.dim(`task ${task.id} · run ${task.contextId} ·`)} ${state}`);
      out.line(replyText(task));
    }
    return task.status.state === 'completed' ? 0 : 1;
  } catch (error) {
    if (error instanceof A2AClientError) out.error(`${gatewayUrl}: ${error.message}${error.code === null ? '' : ` (JSON-RPC ${error.code}, HTTP ${error.httpStatus})`}`);
    else out.error(`${gatewayUrl}: ${(error as Error).message}`);
    return 1;
  }
};
