// The validation rules that bound an operation before it runs: depth (graphql-armor's max-depth
// rule) and estimated complexity (complexity-rule.ts). Both report GRAPHQL_VALIDATION_FAILED
// (HTTP 400) with `extensions.reason` naming the limit.
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { complexityRule } from './complexity-rule.js';

export interface QueryLimits {
  /** Deepest field nesting accepted (fragments count as their fields). */
  readonly maxDepth: number;
  /** Largest estimated cost (see complexity-rule.ts). */
  readonly maxComplexity: number;
}

/** Defaults matching api/config.ts. */
export const DEFAULT_QUERY_LIMITS: QueryLimits = Object.freeze({ maxDepth: 12, maxComplexity: 50_000 });

/** Validation rules enforcing `limits`, for Apollo Server's `validationRules`. */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  const depth = maxDepthRule({
    n: limits.maxDepth,
    flattenFragments: true,
    ignoreIntrospection: true,
    propagateOnRejection: false,
    onReject: [(context, error) => {
      const found = /found (\d+)/.exec(error.message)?.[1];
      // graphql-armor types the context as nullable; inside a validation rule it is always set.
      context?.reportError(new GraphQLError(
        `query depth ${found ?? '?'} exceeds the limit of ${limits.maxDepth}: flatten the query or split it`,
        { extensions: { reason: 'QUERY_TOO_DEEP', depth: found === undefined ? null : Number(found), maxDepth: limits.maxDepth } },
      ));
    }],
  });
  return [depth, complexityRule({ maxComplexity: limits.maxComplexity })];
}

/**
 * graphql's `validate` with the specified rules plus `limits`: for graphql-ws's `validate` option,
 * so operations over WebSockets meet the same limits as over HTTP.
 */
export function validateWithLimits(limits: QueryLimits): (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[] {
  const rules = [...specifiedRules, ...queryLimitRules(limits)];
  return (schema, document) => validate(schema, document, rules);
}
