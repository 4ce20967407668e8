// The committed printed schema and resolver types must match api/schema/*.graphql today.
import { readFile } from 'node:fs/promises';
import { generateGraphQLFiles, GENERATED } from '../../scripts/graphql-codegen.js';

it('api/generated/schema.graphql and graphql.ts are up to date (else run `npm run gql:generate`)', async () => {
  const fresh = await generateGraphQLFiles();
  expect(await readFile(GENERATED.schema, 'utf8')).toBe(fresh.schema);
  expect(await readFile(GENERATED.types, 'utf8')).toBe(fresh.types);
});
