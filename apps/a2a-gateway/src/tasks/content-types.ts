import { A2AError } from '../errors.js';
import { MessageSendParams } from '../jsonrpc/params.js';

/** What every agent here reads (text and data parts become the model's text) and writes (text parts). */
export const INPUT_MODES = ['text/plain', 'application/json'] as const;
export const OUTPUT_MODES = ['text/plain', 'application/json'] as const;

const accepts = (mode: string): boolean => {
  const m = mode.split(';')[0]?.trim().toLowerCase() ?? '';
  return m === '*/*' || m === 'text/*' || m === 'application/*' || (OUTPUT_MODES as readonly string[]).includes(m);
};

/**
 * -32005 for content the agents cannot take or give: a file part (agents read only text and data parts, so a
 * file would be silently dropped), or `acceptedOutputModes` that exclude everything they answer in. Checked
 * only on well-formed params, so malformed ones still get -32602 from the handler.
 */
export const assertSupportedContent = (rawParams: unknown): void => {
  const parsed = MessageSendParams.safeParse(rawParams);
  if (!parsed.success) return;
  const { message, configuration } = parsed.data;
  const file = message.parts.findIndex((p) => p.kind === 'file');
  if (file >= 0) {
    throw new A2AError('content_type_not_supported', `Content type not supported: file parts (message.parts.${file}); send ${INPUT_MODES.join(' or ')}`, { inputModes: INPUT_MODES });
  }
  const modes = configuration?.acceptedOutputModes;
  if (modes && modes.length > 0 && !modes.some(accepts)) {
    throw new A2AError('content_type_not_supported', `Content type not supported: the agents answer in ${OUTPUT_MODES.join(' or ')}, which acceptedOutputModes excludes`, { outputModes: OUTPUT_MODES });
  }
};
