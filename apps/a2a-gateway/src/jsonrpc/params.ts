import { Part } from '@shaman/events';
import { z } from 'zod';

/** A2A v0.3 `Message` as a caller sends it. `kind` is required by the spec; we accept its absence from lenient clients. */
export const A2AMessage = z.object({
  kind: z.literal('message').optional(),
  messageId: z.string().min(1).max(200),
  role: z.enum(['user', 'agent']),
  parts: z.array(Part).min(1, 'a message needs at least one part'),
  taskId: z.string().min(1).optional(),
  contextId: z.string().min(1).optional(),
  referenceTaskIds: z.array(z.string()).optional(),
  extensions: z.array(z.string()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type A2AMessage = z.infer<typeof A2AMessage>;

/** `message/send` params. */
export const MessageSendParams = z.object({
  message: A2AMessage,
  configuration: z
    .object({
      blocking: z.boolean().optional(),
      historyLength: z.number().int().nonnegative().optional(),
      acceptedOutputModes: z.array(z.string()).optional(),
      pushNotificationConfig: z.unknown().optional(),
    })
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type MessageSendParams = z.infer<typeof MessageSendParams>;

/** `tasks/get` params. */
export const TaskQueryParams = z.object({
  id: z.string().min(1),
  historyLength: z.number().int().nonnegative().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** `tasks/cancel` params. */
export const TaskIdParams = z.object({ id: z.string().min(1), metadata: z.record(z.string(), z.unknown()).optional() });
