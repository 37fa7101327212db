import { z } from 'zod';

/**
 * The v1.0 (ProtoJSON) shapes of what a client sends, per `specification/a2a.proto` (package lf.a2a.v1):
 * camelCase fields, SCREAMING_SNAKE enums, no `kind`. A part is one object holding exactly one of
 * text/raw/url/data; unknown fields on a part (such as a v0.3 `kind`) are refused, as ProtoJSON parsers do.
 */
export const V1Part = z
  .strictObject({
    text: z.string().optional(),
    raw: z.string().optional(),
    url: z.string().min(1).optional(),
    data: z.unknown().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    filename: z.string().optional(),
    mediaType: z.string().optional(),
  })
  .refine((p) => ['text', 'raw', 'url', 'data'].filter((k) => (p as Record<string, unknown>)[k] !== undefined).length === 1, {
    message: 'a part holds exactly one of text, raw, url, data',
  });
export type V1Part = z.infer<typeof V1Part>;

export const V1Role = z.enum(['ROLE_USER', 'ROLE_AGENT']);

export const V1Message = z.object({
  messageId: z.string().min(1).max(200),
  role: V1Role,
  parts: z.array(V1Part).min(1, 'a message needs at least one part'),
  taskId: z.string().min(1).optional(),
  contextId: z.string().min(1).optional(),
  referenceTaskIds: z.array(z.string()).optional(),
  extensions: z.array(z.string()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type V1Message = z.infer<typeof V1Message>;

export const V1AuthenticationInfo = z.object({ scheme: z.string().min(1), credentials: z.string().optional() });

/** Flat in v1.0: `{tenant?, id?, taskId, url, token?, authentication?}`. */
export const V1PushConfig = z.object({
  tenant: z.string().optional(),
  id: z.string().optional(),
  taskId: z.string().min(1).optional(),
  url: z.string().min(1),
  token: z.string().optional(),
  authentication: V1AuthenticationInfo.optional(),
});
export type V1PushConfig = z.infer<typeof V1PushConfig>;

const HistoryLength = z.number().int().nonnegative();
const Metadata = z.record(z.string(), z.unknown());

export const V1SendMessageRequest = z.object({
  tenant: z.string().optional(),
  message: V1Message,
  configuration: z
    .object({
      acceptedOutputModes: z.array(z.string()).optional(),
      taskPushNotificationConfig: V1PushConfig.optional(),
      historyLength: HistoryLength.optional(),
      returnImmediately: z.boolean().optional(),
    })
    .optional(),
  metadata: Metadata.optional(),
});

export const V1TaskState = z.enum([
  'TASK_STATE_SUBMITTED',
  'TASK_STATE_WORKING',
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_AUTH_REQUIRED',
]);

export const V1GetTaskRequest = z.object({ tenant: z.string().optional(), id: z.string().min(1), historyLength: HistoryLength.optional() });
export const V1TaskIdRequest = z.object({ tenant: z.string().optional(), id: z.string().min(1), metadata: Metadata.optional() });
export const V1ListTasksRequest = z.object({
  tenant: z.string().optional(),
  contextId: z.string().optional(),
  status: z.union([V1TaskState, z.literal('TASK_STATE_UNSPECIFIED')]).optional(),
  pageSize: z.number().int().optional(),
  pageToken: z.string().optional(),
  historyLength: HistoryLength.optional(),
  statusTimestampAfter: z.string().optional(),
  includeArtifacts: z.boolean().optional(),
});
export const V1PushConfigRequest = z.object({ tenant: z.string().optional(), taskId: z.string().min(1), id: z.string().min(1) });
export const V1ListPushConfigsRequest = z.object({ tenant: z.string().optional(), taskId: z.string().min(1), pageSize: z.number().int().optional(), pageToken: z.string().optional() });
