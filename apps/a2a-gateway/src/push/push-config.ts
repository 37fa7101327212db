import { z } from 'zod';

/** v0.3 `PushNotificationAuthenticationInfo`: scheme names are free-form; see docs/a2a.md for the ones we act on. */
const Authentication = z.object({
  schemes: z.array(z.string().min(1).max(100)).max(10),
  credentials: z.string().min(1).max(4096).optional(),
});

/** v0.3 `PushNotificationConfig` as a caller sends it (in `tasks/pushNotificationConfig/set` or `message/send`). */
export const PushNotificationConfig = z.object({
  id: z.string().min(1).max(200).optional(),
  url: z.url({ protocol: /^https?$/, error: 'url must be an absolute http(s) URL' }).max(2048),
  token: z.string().min(1).max(1024).optional(),
  authentication: Authentication.optional(),
});
export type PushNotificationConfig = z.infer<typeof PushNotificationConfig>;

/** `tasks/pushNotificationConfig/set` params (v0.3 `TaskPushNotificationConfig`). */
export const SetPushConfigParams = z.object({ taskId: z.string().min(1), pushNotificationConfig: PushNotificationConfig });

/** `tasks/pushNotificationConfig/get` params: without a config id, the task's default config (id = task id). */
export const GetPushConfigParams = z.object({
  id: z.string().min(1),
  pushNotificationConfigId: z.string().min(1).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** `tasks/pushNotificationConfig/list` params. */
export const ListPushConfigParams = z.object({ id: z.string().min(1), metadata: z.record(z.string(), z.unknown()).optional() });

/** `tasks/pushNotificationConfig/delete` params. */
export const DeletePushConfigParams = z.object({
  id: z.string().min(1),
  pushNotificationConfigId: z.string().min(1),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** A stored config, as the gateway reads it (credentials stay sealed until the sender opens them). */
export type PushConfigRecord = {
  key: string;
  orgId: string;
  taskId: string;
  configId: string;
  url: string;
  token: string | null;
  authSchemes: string[];
  credentialsCiphertext: string | null;
  protocolVersion: '0.3' | '1.0';
};

export const PushConfigRow = z.object({
  key: z.string(),
  org_id: z.string(),
  task_id: z.string(),
  config_id: z.string(),
  url: z.string(),
  token: z.string().nullable(),
  auth_schemes: z.array(z.string()),
  credentials_ciphertext: z.string().nullable(),
  protocol_version: z.enum(['0.3', '1.0']),
});

export const toPushConfigRecord = (raw: unknown): PushConfigRecord => {
  const r = PushConfigRow.parse(raw);
  return {
    key: r.key,
    orgId: r.org_id,
    taskId: r.task_id,
    configId: r.config_id,
    url: r.url,
    token: r.token,
    authSchemes: r.auth_schemes,
    credentialsCiphertext: r.credentials_ciphertext,
    protocolVersion: r.protocol_version,
  };
};

/**
 * The v0.3 `TaskPushNotificationConfig` a caller reads back. Credentials are write-only: the schemes are
 * shown, the secret never is (it may sign or authorise, and a reader of the config need not know it).
 */
export const toWireConfig = (c: PushConfigRecord) => ({
  taskId: c.taskId,
  pushNotificationConfig: {
    id: c.configId,
    url: c.url,
    ...(c.token === null ? {} : { token: c.token }),
    ...(c.authSchemes.length === 0 ? {} : { authentication: { schemes: c.authSchemes } }),
  },
});
export type WirePushConfig = ReturnType<typeof toWireConfig>;
