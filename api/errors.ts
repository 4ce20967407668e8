// One enum of error codes for every GraphQL error the API returns. Deliberate errors are
// GraphQLErrors built here and pass through formatError unchanged; anything else is masked to
// INTERNAL_SERVER_ERROR and logged (graphql-yoga's mask-error, Apollo's ApolloServerErrorCode).
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from './logger.js';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
};

/** A GraphQLError carrying `extensions.code` (plus any extra extensions, e.g. the bad argument). */
export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...extensions, ...(status === undefined ? {} : { http: { status } }) },
  });
}

/** BAD_USER_INPUT naming the argument: `badInput('first', 'first must be in [0, 100]: got 500')`. */
export function badInput(argumentName: string, message: string): GraphQLError {
  return apiError(ErrorCode.BAD_USER_INPUT, message, { argumentName });
}

/** NOT_FOUND for `<type> <id>`. */
export function notFound(type: string, id: string): GraphQLError {
  return apiError(ErrorCode.NOT_FOUND, `${type} ${id} not found`, { id });
}

interface PrismaKnownError {
  code: string;
  meta?: Record<string, unknown>;
}

// Duck-typed on name and code: the error class lives in the generated client's runtime.
function isPrismaKnownError(error: unknown): error is PrismaKnownError {
  return error instanceof Error && error.name === 'PrismaClientKnownRequestError'
    && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * Translates the Prisma errors a caller expects into API errors: P2002 (unique constraint) ->
 * CONFLICT, P2025 (record not found) -> NOT_FOUND. Anything else is returned unchanged, for the
 * mask. Usage: `.catch((e) => { throw translatePrismaError(e, 'Prompt') })`.
 */
export function translatePrismaError(error: unknown, what: string): unknown {
  if (!isPrismaKnownError(error)) return error;
  if (error.code === 'P2002') {
    // `meta.target` names the columns; through the pg adapter it is `meta.driverAdapterError.cause.constraint`.
    const target = error.meta?.target ?? (error.meta?.driverAdapterError as { cause?: { constraint?: unknown } } | undefined)?.cause?.constraint;
    return apiError(ErrorCode.CONFLICT, `${what} already exists${target === undefined ? '' : ` (unique ${JSON.stringify(target)})`}`);
  }
  if (error.code === 'P2025') return apiError(ErrorCode.NOT_FOUND, `${what} not found`);
  return error;
}

/**
 * Apollo `formatError`: errors with a known code pass unchanged (Apollo's own validation and
 * parse errors included); everything else becomes a bare INTERNAL_SERVER_ERROR and is logged.
 */
export function createFormatError(log: Logger): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  const known = new Set<string>([
    ...Object.values(ErrorCode),
    // Apollo Server's own request errors (ApolloServerErrorCode), all about the request itself.
    'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND',
    'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST',
  ]);
  return (formatted, error) => {
    const code = formatted.extensions?.code;
    const original = unwrapResolverError(error);
    const deliberate = original instanceof GraphQLError && original.originalError === undefined;
    if (typeof code === 'string' && known.has(code) && (deliberate || code !== ErrorCode.INTERNAL_SERVER_ERROR)) {
      return formatted;
    }
    log.error(`unexpected error in ${formatted.path?.join('.') ?? 'request'}`, original);
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
