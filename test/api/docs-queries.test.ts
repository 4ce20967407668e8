// Every GraphQL block of the researcher docs (docs/api.md) parses and validates against the
// server's schema (api/schema), and every read-only one runs without errors against the real
// server on the knowledge model (depth and complexity limits included), so the documented
// queries cannot drift from the API.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildASTSchema, concatAST, parse, validate } from 'graphql';
import { PROJECT_ROOT } from '../../api/config.js';
import { toGlobalId } from '../../api/relay.js';
import { loadTypeDefs } from '../../api/schema/index.js';
import { startKnowledgeApi, type KnowledgeApi } from '../support/knowledge-api.js';

const schema = buildASTSchema(concatAST(loadTypeDefs()));

function graphqlBlocks(file: string): string[] {
  const text = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
  return [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

const blocks = graphqlBlocks('docs/api.md');

it('docs/api.md has its walk-through blocks', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(15);
});

it.each(blocks.map((b) => [b.split('\n')[0] ?? '', b]))('validates: %s', (_first, block) => {
  const errors = validate(schema, parse(block)).map((e) => e.message);
  expect(errors).toEqual([]);
});

it('a block with a wrong field fails validation (the check can fail)', () => {
  const broken = (blocks[0] ?? '').replace('prefix', 'secretPrefix');
  expect(validate(schema, parse(broken)).map((e) => e.message)).toEqual([expect.stringMatching(/Cannot query field "secretPrefix"/)]);
});

describe('read-only blocks run against the server', () => {
  let api: KnowledgeApi;
  const variables: Record<string, string> = {};
  beforeAll(async () => {
    api = await startKnowledgeApi();
    const prompt = await api.db.prisma.prompt.findFirstOrThrow({ where: { modelId: api.model.id, knowledgeType: { name: 'language' } }, orderBy: { id: 'asc' } });
    variables.model = api.modelId;
    variables.prompt = toGlobalId('Prompt', prompt.id);
    const run = await api.server.graphql('query($p: ID!) { attribution(promptId: $p) { id ffnNeurons(first: 1) { edges { node { neuron { id } } } } } }', { p: variables.prompt });
    if (run.body.errors) throw new Error(JSON.stringify(run.body.errors));
    variables.run = run.body.data.attribution.id;
    variables.id = run.body.data.attribution.ffnNeurons.edges[0].node.neuron.id;
  }, 180_000);
  afterAll(async () => {
    await api?.close();
  });

  const queries = blocks.filter((b) => b.startsWith('query '));
  it('there are read-only blocks to run', () => expect(queries.length).toBeGreaterThanOrEqual(6));
  it.each(queries.map((b) => [b.split('\n')[0] ?? '', b]))('runs: %s', async (_first, block) => {
    const declared = [...block.split('\n')[0]!.matchAll(/\$(\w+)/g)].map((m) => m[1] ?? '');
    const res = await api.server.graphql(block, Object.fromEntries(declared.map((name) => [name, variables[name]])));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toBeTruthy();
  });
});
