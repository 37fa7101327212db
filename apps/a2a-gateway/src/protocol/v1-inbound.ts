import { parseParams } from '../jsonrpc/envelope.js';
import type { StreamMethodName, UnaryMethodName } from './methods.js';
import { messageFromV1 } from './v1-parts.js';
import {
  V1GetTaskRequest,
  V1ListPushConfigsRequest,
  V1ListTasksRequest,
  V1PushConfig,
  V1PushConfigRequest,
  V1SendMessageRequest,
  V1TaskIdRequest,
} from './v1-shapes.js';

/** `TASK_STATE_INPUT_REQUIRED` → `input-required`. */
export const stateFromV1 = (state: string): string => state.replace(/^TASK_STATE_/, '').toLowerCase().replace(/_/g, '-');

const pushConfigFromV1 = (c: V1PushConfig) => ({
  ...(c.id ? { id: c.id } : {}),
  url: c.url,
  ...(c.token ? { token: c.token } : {}),
  ...(c.authentication ? { authentication: { schemes: [c.authentication.scheme], ...(c.authentication.credentials ? { credentials: c.authentication.credentials } : {}) } } : {}),
});

const sendParams = (raw: unknown) => {
  const p = parseParams(V1SendMessageRequest, raw);
  const c = p.configuration;
  return {
    message: messageFromV1(p.message),
    ...(c
      ? {
          configuration: {
            // v1.0 `returnImmediately` (default false, i.e. blocking) is v0.3 `blocking` inverted.
            blocking: c.returnImmediately !== true,
            ...(c.historyLength !== undefined ? { historyLength: c.historyLength } : {}),
            ...(c.acceptedOutputModes ? { acceptedOutputModes: c.acceptedOutputModes } : {}),
            ...(c.taskPushNotificationConfig ? { pushNotificationConfig: pushConfigFromV1(c.taskPushNotificationConfig) } : {}),
          },
        }
      : {}),
    ...(p.metadata ? { metadata: p.metadata } : {}),
  };
};

const withoutTenant = <T extends { tenant?: string }>(p: T): Omit<T, 'tenant'> => {
  const { tenant: _tenant, ...rest } = p;
  return rest;
};

/**
 * v1.0 params of a method → the v0.3 params its handler takes. Validates the v1.0 shape (-32602 with every
 * issue); the handler then validates what it needs as for any v0.3 call.
 */
export const paramsFromV1 = (method: UnaryMethodName | StreamMethodName, raw: unknown): unknown => {
  switch (method) {
    case 'message/send':
    case 'message/stream':
      return sendParams(raw);
    case 'tasks/get':
      return withoutTenant(parseParams(V1GetTaskRequest, raw));
    case 'tasks/cancel':
    case 'tasks/resubscribe':
      return withoutTenant(parseParams(V1TaskIdRequest, raw));
    case 'tasks/list': {
      // ProtoJSON defaults (`""`, TASK_STATE_UNSPECIFIED) mean "no filter".
      const { status, contextId, pageToken, ...p } = withoutTenant(parseParams(V1ListTasksRequest, raw ?? {}));
      return {
        ...p,
        ...(contextId ? { contextId } : {}),
        ...(pageToken ? { pageToken } : {}),
        ...(status && status !== 'TASK_STATE_UNSPECIFIED' ? { status: stateFromV1(status) } : {}),
      };
    }
    case 'tasks/pushNotificationConfig/set': {
      const p = parseParams(V1PushConfig, raw);
      return { taskId: p.taskId, pushNotificationConfig: pushConfigFromV1(p) };
    }
    case 'tasks/pushNotificationConfig/get':
    case 'tasks/pushNotificationConfig/delete': {
      const p = parseParams(V1PushConfigRequest, raw);
      return { id: p.taskId, pushNotificationConfigId: p.id };
    }
    case 'tasks/pushNotificationConfig/list':
      return { id: parseParams(V1ListPushConfigsRequest, raw).taskId };
    case 'agent/getAuthenticatedExtendedCard':
      return raw ?? {};
  }
};
