import { interpolateSecrets, MissingSecretError, type ExternalAgent } from '@shaman/agents';
import { ExternalCallError } from './external-call.error.js';

/**
 * The headers that authenticate a call to an external agent: `Authorization: Bearer …` or the entry's API-key
 * header, with the `${SECRET}` reference resolved from the organization's secrets right before use. A missing
 * secret fails the call (nothing is sent with a hole in its credentials), naming the secret, not a value.
 */
export const authHeaders = (name: string, agent: ExternalAgent, secrets: ReadonlyMap<string, string>): Record<string, string> => {
  const lookup = (secret: string): string | undefined => secrets.get(secret);
  try {
    switch (agent.auth.type) {
      case 'none':
        return {};
      case 'bearer':
        return { authorization: `Bearer ${interpolateSecrets(agent.auth.token, 'auth.token', lookup)}` };
      case 'apiKey':
        return { [agent.auth.header.toLowerCase()]: interpolateSecrets(agent.auth.value, 'auth.value', lookup) };
    }
  } catch (error) {
    if (error instanceof MissingSecretError) throw new ExternalCallError('tool_error', `external agent ${name}: ${error.message}`, { cause: error });
    throw error;
  }
};
