import type { NatsConnection } from '@nats-io/transport-node';
import { stepDeltaSubject, type StepAddress, type TextDelta } from '@shaman/events';
import { randomUUID } from 'node:crypto';

/** Opens one provider call's delta channel: each fragment of text handed to the result goes out, numbered. */
export type DeltaSink = (address: StepAddress, turn: { iteration: number }) => (text: string) => void;

const encoder = new TextEncoder();

/**
 * Publishes a model's text fragments on core NATS, outside the event stream's subjects, so they are never
 * stored: live viewers (the gateway's `message/stream`) get them if they listen, and nobody else pays for them.
 * Fire-and-forget: a publish that fails (connection closing) is dropped, never allowed to fail the model call.
 */
export const createDeltaPublisher =
  (input: { nc: NatsConnection; subjectPrefix: string }): DeltaSink =>
  (address, turn) => {
    const subject = stepDeltaSubject(input.subjectPrefix, address);
    const call = randomUUID();
    let seq = 0;
    return (text) => {
      if (text === '') return;
      const delta: TextDelta = { v: 1, iteration: turn.iteration, call, seq: seq++, text };
      try {
        input.nc.publish(subject, encoder.encode(JSON.stringify(delta)));
      } catch {
        // best-effort by design: the recorded LlmResponded is the answer
      }
    };
  };
