// Relay plumbing: global IDs base64("Type:id"), opaque cursors, first/after validation, and
// connections built from one over-fetched page (graphql-relay-js, Pothos's relay plugin).
import { badInput } from './errors.js';

/** Default page size of every connection. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest `first` accepted. */
export const MAX_PAGE_SIZE = 100;

/** The global ID of row `id` of GraphQL type `type`: base64("Type:id"). */
export function toGlobalId(type: string, id: number | bigint): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64');
}

/**
 * The type name and row id inside a global ID (ids are positive and fit a PostgreSQL integer).
 * Throws BAD_USER_INPUT naming `argumentName` when it is malformed.
 */
export function decodeGlobalId(globalId: string, argumentName = 'id'): { type: string; id: number } {
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(globalId) ? Buffer.from(globalId, 'base64').toString('utf8') : '';
  const match = /^([A-Za-z]+):([1-9]\d{0,9})$/.exec(decoded);
  const id = match === null ? NaN : Number(match[2]);
  if (match === null || id > 2 ** 31 - 1) {
    throw badInput(argumentName, `${argumentName} is not a valid global ID: got ${JSON.stringify(globalId)}`);
  }
  return { type: match[1] ?? '', id };
}

/**
 * The row id inside global ID `globalId`, which must be of type `type`.
 * Throws BAD_USER_INPUT naming `argumentName` when it is malformed or of another type.
 */
export function fromGlobalId(globalId: string, type: string, argumentName = 'id'): number {
  const decoded = decodeGlobalId(globalId, argumentName);
  if (decoded.type !== type) {
    throw badInput(argumentName, `${argumentName} must be a ${type} ID: got a ${decoded.type} ID ${JSON.stringify(globalId)}`);
  }
  return decoded.id;
}

const CURSOR_PREFIX = 'cursor:';

/** Opaque cursor for the row with key `id` (connections page by ascending id). */
export function toCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`, 'utf8').toString('base64url');
}

/** The row id inside `cursor`; BAD_USER_INPUT on anything not made by toCursor. */
export function fromCursor(cursor: string): number {
  const decoded = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^cursor:(0|[1-9]\d{0,9})$/.exec(decoded);
  const id = match === null ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(id)) throw badInput('after', `after is not a valid cursor: got ${JSON.stringify(cursor)}`);
  return id;
}

export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

/** Validated paging: `take` rows after row id `afterId` (null: from the start). */
export interface Page {
  readonly take: number;
  readonly afterId: number | null;
}

/** Checks `first` in [0, MAX_PAGE_SIZE] (default DEFAULT_PAGE_SIZE) and decodes `after`. */
export function parsePage(args: PageArgs): Page {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput('first', `first must be in [0, ${MAX_PAGE_SIZE}]: got ${first}`);
  }
  return { take: first, afterId: args.after == null ? null : fromCursor(args.after) };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * A connection from `rows`, fetched in ascending cursor-key order with `take: page.take + 1`: the
 * extra row only tells whether a next page exists. The cursor key is the row's id unless `keyOf`
 * says otherwise (a rank, an offset into an ordered result).
 */
export function toConnection<T>(rows: readonly T[], page: Page,
  keyOf: (row: T, index: number) => number = (row) => (row as { id: number }).id): Connection<T> {
  const edges = rows.slice(0, page.take).map((node, i) => ({ cursor: toCursor(keyOf(node, i)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.take,
      hasPreviousPage: page.afterId !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
