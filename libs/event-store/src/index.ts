export { createJetStreamEventStore, type JetStreamEventStore, type JetStreamEventStoreOptions, type NatsReadEventMetadata } from './jetstream-event-store.js';
export { encodeCommit, decodeCommit, commitHeaders, commitIdOf, EVENT_TYPES_HEADER, TRACEPARENT_HEADER, type Commit } from './commit.js';
export { lastCommitOn, readCommits, type StoredCommit } from './read-subjects.js';
