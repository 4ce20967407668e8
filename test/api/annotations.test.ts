// Annotations over real HTTP: roles, optimistic concurrency (a stale version is a CONFLICT and
// writes nothing), full revision history, and Neuron.annotations batched through DataLoaders.
import { createApiKey } from '../../api/auth/api-keys.js';
import { toGlobalId } from '../../api/relay.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let db: TestDatabase;
let server: TestServer;
let queries: string[] = [];
const neuronIds: string[] = [];
const auth: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  db = await createTestDatabase({ onQuery: (sql) => queries.push(sql) });
  server = await startTestServer(db.prisma);
  const model = await db.prisma.model.create({
    data: { name: 'tiny', architecture: 'GPT2', sourcePath: '/m/tiny', config: {}, weightsChecksum: 'x' },
  });
  for (let i = 0; i < 14; i++) {
    const neuron = await db.prisma.neuron.create({ data: { modelId: model.id, kind: i % 2 === 0 ? 'FFN' : 'ATTENTION', layer: 1, head: i % 2 === 0 ? -1 : 3, index: i } });
    neuronIds.push(toGlobalId('Neuron', neuron.id));
  }
  for (const [name, role] of [['alice', 'ANNOTATOR'], ['bob', 'ANNOTATOR'], ['root', 'ADMIN'], ['reader', 'READER']] as const) {
    auth[name] = { authorization: `Bearer ${(await createApiKey(db.prisma, name, role)).key}` };
  }
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const FIELDS = 'id label note tags author version neuron { id kind layer head index } revisions { version author label note tags }';
const CREATE = `mutation($input: CreateAnnotationInput!) { createAnnotation(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($input: UpdateAnnotationInput!) { updateAnnotation(input: $input) { ${FIELDS} } }`;
const DELETE = 'mutation($id: ID!, $v: Int!) { deleteAnnotation(id: $id, expectedVersion: $v) { deletedId } }';

async function create(neuron: string, label: string, who = 'alice') {
  const res = await server.graphql(CREATE, { input: { neuronId: neuron, label, note: 'first look', tags: ['capital', ' capital ', 'france'] } }, auth[who]);
  expect(res.body.errors).toBeUndefined();
  return res.body.data.createAnnotation;
}

describe('createAnnotation', () => {
  it('stores version 1 with its first revision; the author is the key name; tags trimmed and deduplicated', async () => {
    const created = await create(neuronIds[0] ?? '', 'capital mover');
    expect(created).toMatchObject({
      label: 'capital mover', note: 'first look', tags: ['capital', 'france'], author: 'alice', version: 1,
      neuron: { id: neuronIds[0], kind: 'FFN', layer: 1, head: null, index: 0 },
      revisions: [{ version: 1, author: 'alice', label: 'capital mover', note: 'first look', tags: ['capital', 'france'] }],
    });
    const node = await server.graphql(`{ node(id: "${created.id}") { ... on Annotation { label } } }`);
    expect(node.body.data.node).toEqual({ label: 'capital mover' });
  });

  it.each([
    ['no key', undefined, 'UNAUTHENTICATED', /needs an API key with role ANNOTATOR/],
    ['a READER key', 'reader', 'FORBIDDEN', /needs role ANNOTATOR or higher: key "reader" has READER/],
  ])('EXPECTED FAILURE: with %s', async (_label, who, code, message) => {
    const before = await db.prisma.annotation.count();
    const res = await server.graphql(CREATE, { input: { neuronId: neuronIds[0], label: 'x' } }, who === undefined ? {} : auth[who]);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.body.errors?.[0]?.message).toMatch(message);
    expect(await db.prisma.annotation.count()).toBe(before);
  });

  it.each([
    ['blank label', { label: '  ' }, 'BAD_USER_INPUT', /input.label must have 1 to 200 characters: got 0/],
    ['label too long', { label: 'x'.repeat(201) }, 'BAD_USER_INPUT', /input.label must have 1 to 200 characters: got 201/],
    ['note too long', { label: 'x', note: 'n'.repeat(10_001) }, 'BAD_USER_INPUT', /input.note must have at most 10000 characters: got 10001/],
    ['too many tags', { label: 'x', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'BAD_USER_INPUT', /at most 32 tags: got 33/],
    ['empty tag', { label: 'x', tags: ['ok', ''] }, 'BAD_USER_INPUT', /input.tags\[1\] must have 1 to 64 characters: got 0/],
    ['unknown neuron', { label: 'x', neuronId: toGlobalId('Neuron', 99999) }, 'NOT_FOUND', /Neuron .* not found/],
    ['a model ID as neuron', { label: 'x', neuronId: toGlobalId('Model', 1) }, 'BAD_USER_INPUT', /input.neuronId must be a Neuron ID/],
  ])('EXPECTED FAILURE: %s', async (_label, input, code, message) => {
    const before = await db.prisma.annotation.count();
    const res = await server.graphql(CREATE, { input: { neuronId: neuronIds[1], ...input } }, auth.alice);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.body.errors?.[0]?.message).toMatch(message);
    expect(await db.prisma.annotation.count()).toBe(before);
  });
});

describe('updateAnnotation', () => {
  it('edits from the current version, keeps omitted fields, clears the note with null, appends revisions', async () => {
    const created = await create(neuronIds[2] ?? '', 'first label');
    const v2 = await server.graphql(UPDATE, { input: { id: created.id, expectedVersion: 1, label: 'second label' } }, auth.bob);
    expect(v2.body.errors).toBeUndefined();
    expect(v2.body.data.updateAnnotation).toMatchObject({ label: 'second label', note: 'first look', tags: ['capital', 'france'], author: 'bob', version: 2 });
    const v3 = await server.graphql(UPDATE, { input: { id: created.id, expectedVersion: 2, note: null, tags: [] } }, auth.alice);
    expect(v3.body.data.updateAnnotation).toMatchObject({ label: 'second label', note: null, tags: [], author: 'alice', version: 3 });
    expect(v3.body.data.updateAnnotation.revisions).toEqual([
      { version: 1, author: 'alice', label: 'first label', note: 'first look', tags: ['capital', 'france'] },
      { version: 2, author: 'bob', label: 'second label', note: 'first look', tags: ['capital', 'france'] },
      { version: 3, author: 'alice', label: 'second label', note: null, tags: [] },
    ]);
  });

  it('EXPECTED FAILURE: a stale version is a CONFLICT and overwrites nothing', async () => {
    const created = await create(neuronIds[3] ?? '', 'original');
    await server.graphql(UPDATE, { input: { id: created.id, expectedVersion: 1, label: 'by bob' } }, auth.bob);
    const stale = await server.graphql(UPDATE, { input: { id: created.id, expectedVersion: 1, label: 'by alice' } }, auth.alice);
    expect(stale.body.errors?.[0]).toMatchObject({
      extensions: { code: 'CONFLICT', expectedVersion: 1, currentVersion: 2 },
      message: expect.stringMatching(/is at version 2, not 1/),
    });
    const row = await db.prisma.annotation.findFirstOrThrow({ where: { label: { in: ['by bob', 'by alice'] } } });
    expect(row).toMatchObject({ label: 'by bob', version: 2, author: 'bob' });
    expect(await db.prisma.annotationRevision.count({ where: { annotationId: row.id } })).toBe(2);
  });

  it('two concurrent edits from the same version: exactly one succeeds, the other is a CONFLICT, one new revision', async () => {
    for (let round = 0; round < 5; round++) {
      const created = await create(neuronIds[4] ?? '', `race ${round}`);
      const [a, b] = await Promise.all([
        server.graphql(UPDATE, { input: { id: created.id, expectedVersion: 1, label: `alice ${round}` } }, auth.alice),
        server.graphql(UPDATE, { input: { id: created.id, expectedVersion: 1, label: `bob ${round}` } }, auth.bob),
      ]);
      const outcomes = [a, b].map((r) => r.body.errors?.[0]?.extensions?.code ?? 'OK').sort();
      expect(outcomes).toEqual(['CONFLICT', 'OK']);
      const winner = (a.body.errors === undefined ? a : b).body.data.updateAnnotation;
      const revisions = await db.prisma.annotationRevision.findMany({ where: { annotation: { label: winner.label } }, orderBy: { version: 'asc' } });
      expect(revisions.map((r) => [r.version, r.label])).toEqual([[1, `race ${round}`], [2, winner.label]]);
      expect(winner.version).toBe(2);
    }
  });

  it.each([
    ['unknown annotation', { id: toGlobalId('Annotation', 99999), expectedVersion: 1, label: 'x' }, 'NOT_FOUND'],
    ['blank label', { id: 'EXISTING', expectedVersion: 1, label: ' ' }, 'BAD_USER_INPUT'],
  ])('EXPECTED FAILURE: %s', async (_label, input, code) => {
    const created = await create(neuronIds[5] ?? '', 'target');
    const res = await server.graphql(UPDATE, { input: { ...input, id: input.id === 'EXISTING' ? created.id : input.id } }, auth.alice);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
  });
});

describe('deleteAnnotation', () => {
  it('deletes only from the current version, with its history', async () => {
    const created = await create(neuronIds[6] ?? '', 'to delete');
    await server.graphql(UPDATE, { input: { id: created.id, expectedVersion: 1, label: 'edited' } }, auth.bob);
    const stale = await server.graphql(DELETE, { id: created.id, v: 1 }, auth.alice);
    expect(stale.body.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    const denied = await server.graphql(DELETE, { id: created.id, v: 2 }, auth.reader);
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const ok = await server.graphql(DELETE, { id: created.id, v: 2 }, auth.alice);
    expect(ok.body.data.deleteAnnotation).toEqual({ deletedId: created.id });
    const gone = await server.graphql(`{ annotation(id: "${created.id}") { id } }`);
    expect(gone.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const again = await server.graphql(DELETE, { id: created.id, v: 2 }, auth.alice);
    expect(again.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('annotations (connection)', () => {
  const LIST = `query($filter: AnnotationFilter, $first: Int, $after: String) {
    annotations(filter: $filter, first: $first, after: $after) { edges { node { label author tags neuron { index } } } pageInfo { hasNextPage endCursor } }
  }`;

  it('filters by neuron, author, tag and label, and pages oldest first', async () => {
    const neuron = neuronIds[12] ?? '';
    for (const [label, who, tags] of [['alpha one', 'alice', ['x']], ['beta', 'bob', ['x', 'y']], ['Alpha two', 'bob', ['y']]] as const) {
      const res = await server.graphql(CREATE, { input: { neuronId: neuron, label, tags } }, auth[who]);
      expect(res.body.errors).toBeUndefined();
    }
    const labels = async (filter: Record<string, unknown>) => {
      const res = await server.graphql(LIST, { filter: { neuronId: neuron, ...filter } });
      expect(res.body.errors).toBeUndefined();
      return res.body.data.annotations.edges.map((e: { node: { label: string } }) => e.node.label);
    };
    expect(await labels({})).toEqual(['alpha one', 'beta', 'Alpha two']);
    expect(await labels({ author: 'bob' })).toEqual(['beta', 'Alpha two']);
    expect(await labels({ tag: 'x' })).toEqual(['alpha one', 'beta']);
    expect(await labels({ labelContains: 'ALPHA' })).toEqual(['alpha one', 'Alpha two']);
    expect(await labels({ author: 'bob', tag: 'x' })).toEqual(['beta']);
    const first = await server.graphql(LIST, { filter: { neuronId: neuron }, first: 2 });
    expect(first.body.data.annotations.pageInfo.hasNextPage).toBe(true);
    const rest = await server.graphql(LIST, { filter: { neuronId: neuron }, first: 2, after: first.body.data.annotations.pageInfo.endCursor });
    expect(rest.body.data.annotations.edges.map((e: { node: { label: string } }) => e.node.label)).toEqual(['Alpha two']);
    expect(rest.body.data.annotations.pageInfo.hasNextPage).toBe(false);
  });

  it.each([
    [{ first: 101 }, /first must be in \[0, 100\]: got 101/],
    [{ filter: { neuronId: toGlobalId('Model', 1) } }, /filter.neuronId must be a Neuron ID/],
  ])('EXPECTED FAILURE: %j is BAD_USER_INPUT', async (variables, message) => {
    const res = await server.graphql(LIST, variables);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(message);
  });
});

describe('Neuron.annotations', () => {
  it('loads annotations and revisions of many neurons in a bounded number of SQL queries', async () => {
    const targets = neuronIds.slice(7, 12);
    for (const neuron of targets) {
      const created = await create(neuron, 'batched');
      await server.graphql(UPDATE, { input: { id: created.id, expectedVersion: 1, label: 'batched v2' } }, auth.bob);
    }
    const aliases = targets.map((id, i) => `n${i}: node(id: "${id}") { ... on Neuron { index annotations { label author revisions { version } neuron { index } } } }`);
    queries = [];
    const res = await server.graphql(`{ ${aliases.join(' ')} }`);
    expect(res.body.errors).toBeUndefined();
    for (let i = 0; i < targets.length; i++) {
      expect(res.body.data[`n${i}`]).toEqual({ index: 7 + i, annotations: [{ label: 'batched v2', author: 'bob', revisions: [{ version: 1 }, { version: 2 }], neuron: { index: 7 + i } }] });
    }
    // One query each for neurons, annotations and revisions (Annotation.neuron hits the loader's cache).
    const selects = queries.filter((sql) => /^\s*SELECT/i.test(sql));
    expect(selects.length).toBeGreaterThan(0);
    expect(selects.length).toBeLessThanOrEqual(3);
  });
});
