/**
 * `NATS_URL` may list several servers, comma-separated (a cluster's seeds); the client wants an array.
 * After the first connect the client also learns the rest of the cluster from the server itself.
 */
export const natsServers = (url: string): string[] =>
  url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
