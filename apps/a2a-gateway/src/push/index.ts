export { createPushMethods, createPushAttacher, type PushAttacher, type PushMethodsDeps } from './push-methods.js';
export { startPushRuntime, type PushRuntime, type PushRuntimeOptions } from './push-runtime.js';
export { listDeliveries, type DeliveryLogEntry } from './outbox.js';
export { HMAC_SCHEME, SIGNATURE_HEADER, signBody } from './sign-notification.js';
export { pushDeliveryQueue } from './delivery-queue.js';
export type { PushOptions } from './push-methods.js';
export { pushFromConfig, startPushFromConfig } from './push-setup.js';
