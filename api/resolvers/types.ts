// Hand-written resolver signatures (the schema's source of truth is api/schema/*.graphql).
import type { Context } from '../context.js';

/** A field resolver from parent `P` with arguments `A` to result `R`. */
export type FieldResolver<P, A, R> = (parent: P, args: A, context: Context) => R | Promise<R>;

/** A root (Query/Mutation) field resolver. */
export type RootResolver<A, R> = FieldResolver<unknown, A, R>;
