import { judgeGql, send, type Probe, type Target } from './probe.js';

const gql = (t: Target, body: unknown) => send(t.graphqlUrl, { headers: { 'content-type': 'application/json', 'x-api-key': t.apiKey }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const nested = (depth: number): string => `{ viewer ${'{ organization '.repeat(depth)}{ id }${' }'.repeat(depth)} }`;
const aliases = (count: number): string => `{ ${Array.from({ length: count }, (_, i) => `a${i}: apiKeys(first: 100) { edges { node { id scopes } } }`).join(' ')} }`;

const QUERIES: [string, unknown][] = [
  ['a depth bomb (50 levels)', { query: `{ runs { edges { node { ${'nodes { '.repeat(50)}id${' }'.repeat(50)} } } } }` }],
  ['a nested-object bomb', { query: nested(40) }],
  ['an alias bomb (2,000 aliases)', { query: aliases(2000) }],
  ['a fragment cycle', { query: 'query { viewer { ...A } } fragment A on Viewer { ...B } fragment B on Viewer { ...A }' }],
  ['a syntax error', { query: '{ viewer { ' }],
  ['an unknown field', { query: '{ viewer { password } }' }],
  ['a variable of the wrong type', { query: 'query($n: Int) { runs(first: $n) { totalCount } }', variables: { n: 'all' } }],
  ['first above the page limit', { query: '{ runs(first: 100000) { totalCount } }' }],
  ['a forged cursor', { query: '{ runs(after: "not-a-cursor") { totalCount } }' }],
  ['a run id that is SQL', { query: `{ run(id: "' OR 1=1 --") { id } }` }],
  ['a mutation with a reserved repository name', { query: 'mutation { addRepository(input: { name: "admin", url: "https://git.example/a.git" }) { errors { code } } }' }],
  ['a repository name that climbs directories', { query: 'mutation { addRepository(input: { name: "../../etc", url: "https://git.example/a.git" }) { errors { code } } }' }],
  ['a repository URL on the host', { query: 'mutation { addRepository(input: { name: "host", url: "file:///etc" }) { errors { code } } }' }],
  ['a repository URL in the metadata service', { query: 'mutation { addRepository(input: { name: "meta", url: "http://169.254.169.254/latest" }) { errors { code } } }' }],
  ['a repository URL that runs a command', { query: 'mutation { addRepository(input: { name: "ext", url: "ext::sh -c touch% /tmp/pwned" }) { errors { code } } }' }],
  ['a secret name with shell in it', { query: 'mutation { setSecret(name: "$(reboot)", value: "x") { errors { code } } }' }],
  ['a batch of operations', '[{"query":"{ viewer { organizationId } }"},{"query":"{ viewer { organizationId } }"}]'],
  ['a body that is not JSON', '{"query": '],
  ['an unknown persisted query', { extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }],
];

export const graphqlProbes = (): Probe[] => QUERIES.map(([name, body]): Probe => ({ category: 'GraphQL', name, run: async (t) => judgeGql(await gql(t, body)) }));
