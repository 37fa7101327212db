import { assertPublicUrl, newId, UrlRefusedError, withOrg, type ApiKeyPrincipal, type Pool, type SecretBox } from '@shaman/platform';
import { A2AError } from '../errors.js';
import { parseParams } from '../jsonrpc/envelope.js';
import type { Method, PushMethodName } from '../protocol/methods.js';
import type { TaskReader } from '../tasks/task-reader.js';
import { DeletePushConfigParams, GetPushConfigParams, ListPushConfigParams, PushNotificationConfig, SetPushConfigParams, toWireConfig, type WirePushConfig } from './push-config.js';
import { countPushConfigs, deletePushConfig, getPushConfig, listPushConfigs, MAX_CONFIGS_PER_TASK, upsertPushConfig } from './push-config.store.js';
import { HMAC_SCHEME } from './sign-notification.js';

/** What a gateway needs to offer the push methods (GatewayDeps.push). */
export type PushOptions = {
  /** Seals `authentication.credentials`; without one, configs that carry credentials are refused. */
  secretBox: SecretBox | null;
  /** GATEWAY_PUSH_ALLOW_PRIVATE_NETWORKS: loopback and private URLs pass the SSRF guard. */
  allowPrivateNetworks: boolean;
};

export type PushMethodsDeps = PushOptions & { pool: Pool; tasks: Pick<TaskReader, 'get'> };

/** The SSRF guard at the door (the sender checks again before every call: DNS can change in between). */
const checkUrl = async (url: string, allowPrivate: boolean): Promise<void> => {
  try {
    await assertPublicUrl(url, { allowPrivate });
  } catch (error) {
    if (!(error instanceof UrlRefusedError)) throw error;
    throw new A2AError('invalid_params', `Invalid params: push notification url ${error.message}`, { reason: 'push_url_refused', refused: error.reason });
  }
};

/** Validates and stores one config for a task (which the caller has checked exists, or is creating). */
const saveConfig = async (deps: PushMethodsDeps, input: { orgId: string; taskId: string; config: PushNotificationConfig; version: '0.3' | '1.0' | undefined }): Promise<WirePushConfig> => {
  const { orgId, taskId, config } = input;
  const schemes = config.authentication?.schemes ?? [];
  const credentials = config.authentication?.credentials;
  if (schemes.some((s) => s.toUpperCase() === HMAC_SCHEME) && credentials === undefined) {
    throw new A2AError('invalid_params', `Invalid params: the ${HMAC_SCHEME} scheme signs with authentication.credentials, which is missing`, { reason: 'push_credentials_missing' });
  }
  if (credentials !== undefined && deps.secretBox === null) {
    throw new A2AError('unsupported_operation', 'this gateway cannot store push credentials (SHAMAN_SECRET_KEY is not set)');
  }
  await checkUrl(config.url, deps.allowPrivateNetworks);
  const configId = config.id ?? taskId;
  const stored = await withOrg(deps.pool, orgId, async (client) => {
    if ((await countPushConfigs(client, taskId, configId)) >= MAX_CONFIGS_PER_TASK) {
      throw new A2AError('invalid_params', `Invalid params: a task has at most ${MAX_CONFIGS_PER_TASK} push notification configs`, { reason: 'push_config_limit' });
    }
    return upsertPushConfig(client, {
      key: newId(),
      orgId,
      taskId,
      configId,
      url: config.url,
      token: config.token ?? null,
      authSchemes: schemes,
      credentialsCiphertext: credentials === undefined || deps.secretBox === null ? null : deps.secretBox.encrypt(credentials),
      protocolVersion: input.version ?? '0.3',
    });
  });
  return toWireConfig(stored);
};

/** The task must exist in the caller's organization: -32001 otherwise, as for `tasks/get`. */
const requireTask = async (deps: PushMethodsDeps, orgId: string, taskId: string): Promise<void> => {
  if (!(await deps.tasks.get(orgId, taskId))) throw new A2AError('task_not_found', `Task not found: ${taskId}`);
};

/**
 * `tasks/pushNotificationConfig/set|get|list|delete` over the push_configs table (v0.3 shapes; the edge
 * translates v1.0). Everything runs under the caller's organization, so another tenant's task is "not found".
 */
export const createPushMethods = (deps: PushMethodsDeps): Record<PushMethodName, Method> => ({
  'tasks/pushNotificationConfig/set': async (principal, raw, ctx) => {
    const params = parseParams(SetPushConfigParams, raw);
    await requireTask(deps, principal.orgId, params.taskId);
    return saveConfig(deps, { orgId: principal.orgId, taskId: params.taskId, config: params.pushNotificationConfig, version: ctx.version });
  },
  'tasks/pushNotificationConfig/get': async (principal, raw) => {
    const params = parseParams(GetPushConfigParams, raw);
    await requireTask(deps, principal.orgId, params.id);
    const configId = params.pushNotificationConfigId ?? params.id;
    const found = await withOrg(deps.pool, principal.orgId, (c) => getPushConfig(c, params.id, configId));
    if (!found) throw new A2AError('invalid_params', `Invalid params: task ${params.id} has no push notification config ${configId}`, { reason: 'push_config_not_found' });
    return toWireConfig(found);
  },
  'tasks/pushNotificationConfig/list': async (principal, raw) => {
    const params = parseParams(ListPushConfigParams, raw);
    await requireTask(deps, principal.orgId, params.id);
    return (await withOrg(deps.pool, principal.orgId, (c) => listPushConfigs(c, params.id))).map(toWireConfig);
  },
  // Deleting a config that is not there succeeds (the caller's intent holds), as in the reference SDK.
  'tasks/pushNotificationConfig/delete': async (principal, raw) => {
    const params = parseParams(DeletePushConfigParams, raw);
    await requireTask(deps, principal.orgId, params.id);
    await withOrg(deps.pool, principal.orgId, (c) => deletePushConfig(c, params.id, params.pushNotificationConfigId));
    return null;
  },
});

/**
 * For `message/send` with `configuration.pushNotificationConfig`: stores the config for the task the send is
 * about to create, before its request is appended, so the dispatcher sees it for the task's first event.
 * Throws -32602 (nothing appended yet) when the config is invalid.
 */
export const createPushAttacher =
  (deps: PushMethodsDeps) =>
  async (principal: ApiKeyPrincipal, push: { taskId: string; config: unknown; version?: '0.3' | '1.0' }): Promise<void> => {
    const { taskId, config: raw, version } = push;
    if (raw === undefined) return;
    const parsed = PushNotificationConfig.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: ['configuration', 'pushNotificationConfig', ...i.path].join('.'), message: i.message }));
      throw new A2AError('invalid_params', `Invalid params: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
    }
    await saveConfig(deps, { orgId: principal.orgId, taskId, config: parsed.data, version });
  };
export type PushAttacher = ReturnType<typeof createPushAttacher>;
