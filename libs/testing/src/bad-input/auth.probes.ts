import { judgeHttp, judgeRpc, send, type Probe, type Target } from './probe.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Credentials no server issued: forged, malformed, injected or oversized. */
const FORGED: [string, string][] = [
  ['an unknown live key', `sk_live_${'A'.repeat(43)}`],
  ['an unknown test key', `sk_test_${'z'.repeat(43)}`],
  ['a key with SQL in it', "sk_live_' OR '1'='1' --"],
  ['a key of 8 KiB', `sk_live_${'k'.repeat(8192)}`],
  ['an empty key', ''],
  ['a JWT with alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'admin', org: 'any', exp: now() + 60 })}.`],
  ['a JWT with a forged HS256 signature', `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'admin', aud: 'shaman-internal', exp: now() + 60 })}.${Buffer.from('forged').toString('base64url')}`],
  ['an expired JWT', `${b64({ alg: 'EdDSA', typ: 'JWT' })}.${b64({ sub: 'x', exp: now() - 3600 })}.${'A'.repeat(86)}`],
];

const gatewayWith = (t: Target, key: string) =>
  send(`${t.gatewayUrl}/a2a/v1`, { headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { id: 'x' } }) });
const graphqlWith = (t: Target, key: string) =>
  send(t.graphqlUrl, { headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query: '{ viewer { organizationId } }' }) });

export const authProbes = (): Probe[] =>
  FORGED.flatMap(([name, key]): Probe[] => [
    {
      category: 'forged credentials',
      name: `gateway: ${name}`,
      run: async (t) => {
        const answer = await gatewayWith(t, key);
        return answer.status === 401 ? judgeRpc(answer, [-32050]) : `HTTP ${answer.status}, expected 401`;
      },
    },
    { category: 'forged credentials', name: `graphql: ${name}`, run: async (t) => judgeHttp(await graphqlWith(t, key), [401]) },
  ]);
