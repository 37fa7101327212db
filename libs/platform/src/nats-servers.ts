/**
 * `NATS_URL` may list several servers, comma-separated (a cluster's seeds); the client wants an array.
 * After the first connect the client also learns the rest of the cluster from the server itself.
 */
export const natsServers = (url: string): string[] =>
  url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/**
 * How the apps connect: the servers, a name the server's monitoring shows, and no async stack traces. With
 * traces on, the client allocates an Error (capturing a stack) for every request up front — every JetStream
 * publish is one — which a CPU profile of the gateway and executor under load showed as one of their largest
 * costs. Errors keep their messages; only the caller's stack is lost.
 */
export const natsConnectOptions = (url: string, name: string): { servers: string[]; name: string; noAsyncTraces: true } => ({
  servers: natsServers(url),
  name,
  noAsyncTraces: true,
});
