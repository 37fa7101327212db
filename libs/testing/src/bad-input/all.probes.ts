import { authProbes } from './auth.probes.js';
import { frontmatterProbes } from './frontmatter.probes.js';
import { graphqlProbes } from './graphql.probes.js';
import { jsonRpcProbes } from './json-rpc.probes.js';
import type { Probe } from './probe.js';
import { pushProbes } from './push.probes.js';

/** Every hostile input of the suite, by category (docs/testing.md, "Bad input suite"). */
export const allProbes = (): Probe[] => [...jsonRpcProbes(), ...authProbes(), ...graphqlProbes(), ...pushProbes(), ...frontmatterProbes()];
