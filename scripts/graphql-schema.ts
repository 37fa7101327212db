// Writes apps/gql-api/schema.graphql: the published GraphQL schema, as a client sees it through introspection.
// An integration test fails when the running server's schema drifts from the committed file; run
// `npm run schema:graphql` after changing the schema.
import { createSchema } from '@shaman/gql-api';
import { buildClientSchema, introspectionFromSchema, printSchema } from 'graphql';
import { writeFile } from 'node:fs/promises';

const printed = printSchema(buildClientSchema(introspectionFromSchema(createSchema())));
await writeFile(new URL('../apps/gql-api/schema.graphql', import.meta.url), `${printed}\n`);
