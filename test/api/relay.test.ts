// Global IDs and cursors: round trips, and malformed input rejected as BAD_USER_INPUT.
import { GraphQLError } from 'graphql';
import { decodeGlobalId, fromCursor, fromGlobalId, parsePage, toConnection, toCursor, toGlobalId } from '../../api/relay.js';

function failure(run: () => unknown): { code: unknown; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphQLError) return { code: error.extensions.code, message: error.message };
    throw error;
  }
  throw new Error('expected a GraphQLError');
}

describe('global IDs', () => {
  it('are base64("Type:id") and round-trip', () => {
    expect(toGlobalId('Prompt', 42)).toBe(Buffer.from('Prompt:42').toString('base64'));
    expect(fromGlobalId(toGlobalId('Prompt', 42), 'Prompt')).toBe(42);
    expect(decodeGlobalId(toGlobalId('Model', 2 ** 31 - 1))).toEqual({ type: 'Model', id: 2 ** 31 - 1 });
  });

  it.each([
    ['not base64', 'abc$'],
    ['no separator', Buffer.from('Prompt42').toString('base64')],
    ['zero id', Buffer.from('Prompt:0').toString('base64')],
    ['negative id', Buffer.from('Prompt:-3').toString('base64')],
    ['id past int4', Buffer.from(`Prompt:${2 ** 31}`).toString('base64')],
    ['empty', ''],
  ])('EXPECTED FAILURE: %s', (_label, id) => {
    expect(failure(() => fromGlobalId(id, 'Prompt', 'promptId'))).toEqual({
      code: 'BAD_USER_INPUT',
      message: `promptId is not a valid global ID: got ${JSON.stringify(id)}`,
    });
  });

  it('EXPECTED FAILURE: an ID of another type', () => {
    expect(failure(() => fromGlobalId(toGlobalId('Model', 1), 'Prompt')).message).toMatch(/must be a Prompt ID: got a Model ID/);
  });
});

describe('cursors and pages', () => {
  it('round-trip and are not global IDs', () => {
    expect(fromCursor(toCursor(0))).toBe(0);
    expect(fromCursor(toCursor(123456))).toBe(123456);
    expect(failure(() => fromCursor(toGlobalId('Prompt', 1))).code).toBe('BAD_USER_INPUT');
  });

  it('default to 20 rows and accept 0 to 100', () => {
    expect(parsePage({})).toEqual({ take: 20, afterId: null });
    expect(parsePage({ first: 0, after: toCursor(5) })).toEqual({ take: 0, afterId: 5 });
    expect(parsePage({ first: 100 })).toEqual({ take: 100, afterId: null });
    expect(failure(() => parsePage({ first: 101 })).message).toBe('first must be in [0, 100]: got 101');
  });

  it('build a connection from one extra row', () => {
    const page = { take: 2, afterId: null };
    const more = toConnection([{ id: 1 }, { id: 2 }, { id: 3 }], page);
    expect(more.edges.map((e) => e.node.id)).toEqual([1, 2]);
    expect(more.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: toCursor(1), endCursor: toCursor(2) });
    const last = toConnection([{ id: 3 }], { take: 2, afterId: 2 });
    expect(last.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: toCursor(3), endCursor: toCursor(3) });
    expect(toConnection([], page).pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
  });
});
