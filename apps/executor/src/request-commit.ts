import type { JsMsg } from '@nats-io/jetstream';
import { decodeCommit, type Commit } from '@shaman/event-store';

const decoded = new WeakMap<JsMsg, Commit>();

/**
 * The commit a request delivery carries, decoded once per delivery: the delivery edge reads its head (ids for
 * logs and the trace) and the handler then parses its event, and JSON-parsing it twice was a measurable part
 * of the executor's CPU under load. Throws, and remembers nothing, for data that is not a commit.
 */
export const requestCommitOf = (m: JsMsg): Commit => {
  const known = decoded.get(m);
  if (known) return known;
  const commit = decodeCommit(m.data);
  decoded.set(m, commit);
  return commit;
};
