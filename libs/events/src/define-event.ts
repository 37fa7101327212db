import { z } from 'zod';
import { EventMetadata } from './metadata.js';

/** The emmett event shape (`type`, `data`, `metadata`) with our identity metadata on every event. */
export const defineEvent = <TType extends string, TData extends z.ZodType>(type: TType, data: TData) =>
  z.object({ type: z.literal(type), data, metadata: EventMetadata });
