export { createTestNats, TEST_NATS_URL, type TestNats } from './nats.js';
export { createTestDatabase, TEST_PG_URL, MIGRATIONS_DIR, type TestDatabase } from './database.js';
export { eventually } from './eventually.js';
export { createTestTenant, revokeTestKey, type TestTenant } from './tenants.js';
export { spawnApp, runCli, type AppProcess, type LogLine } from './processes.js';
export { runRequested, stepEvents, stepEventsUntil } from './requests.js';
export { createTestOrigin, agentFile, type TestOrigin } from './git-origin.js';
export { startStack, type TestStack } from './stack.js';
export { createTestRedis, TEST_REDIS_URL, type TestRedis } from './redis.js';
