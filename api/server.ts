// The HTTP side: express 5 on a Node http server, Apollo Server at /graphql, the explorer page at /,
// a request-body limit, JSON errors for bad HTTP requests, and a drained shutdown.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { readAccessPlugin } from './auth/require-role.js';
import { wsHeaders } from './auth/ws-auth.js';
import { createContext, type Context, type ServerDeps } from './context.js';
import { EngineService } from './engine-service.js';
import type { JobQueue } from './jobs.js';
import { createFormatError, ErrorCode } from './errors.js';
import { explorerRouter } from './explorer/explorer.js';
import { plotRouter } from './plots/plot-route.js';
import type { Logger } from './logger.js';
import { DEFAULT_QUERY_LIMITS, queryLimitRules, validateWithLimits, type QueryLimits } from './protection/query-limits.js';
import { resolvers } from './resolvers/index.js';
import { MAX_BATCH_PROMPTS } from './resolvers/jobs.js';
import { loadTypeDefs } from './schema/index.js';

/** Path of the GraphQL endpoint. */
const GRAPHQL_PATH = '/graphql';

export interface ApiServerOptions extends Omit<ServerDeps, 'engine' | 'modelRoots' | 'jobs' | 'maxBatchSize'> {
  /** Default: MAX_BATCH_PROMPTS (1000). */
  readonly maxBatchSize?: number;
  /** Default: none (job mutations then fail; subscriptions still poll the Job table). */
  readonly jobs?: JobQueue | null;
  /** Default: a private EngineService with a 1 GiB budget, closed by stop(). */
  readonly engine?: EngineService;
  /** Default: none (registerModel then rejects every path). */
  readonly modelRoots?: readonly string[];
  readonly port: number;
  readonly host?: string | undefined;
  readonly bodyLimitBytes: number;
  /** Queries need an API key too (default false: reads are open, writes check roles). */
  readonly requireKeyForReads?: boolean;
  /** Depth and complexity limits checked before execution (default DEFAULT_QUERY_LIMITS). */
  readonly queryLimits?: QueryLimits;
  readonly log: Logger;
  /** How long stop() lets in-flight requests finish before closing their sockets. */
  readonly stopGracePeriodMillis?: number;
}

export interface ApiServer {
  /** e.g. http://localhost:4000/graphql */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections, drains in-flight requests, stops Apollo. */
  stop(): Promise<void>;
}

/** Sends request-level failures (body too large, malformed JSON) as GraphQL-shaped JSON errors. */
const httpErrorHandler: ErrorRequestHandler = (err: { status?: number; type?: string; message?: string }, _req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
  const message = status === 500 ? 'Internal server error' : err.message ?? 'Bad request';
  const code = status === 500 ? ErrorCode.INTERNAL_SERVER_ERROR : ErrorCode.BAD_USER_INPUT;
  res.status(status).json({ errors: [{ message, extensions: { code, ...(err.type === undefined ? {} : { reason: err.type }) } }] });
};

/** Builds the app and listens; resolves once the server accepts requests. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const app = express();
  const httpServer = http.createServer(app);
  // Apollo builds the executable schema; graphql-ws serves the same one (subscriptions).
  let schema: GraphQLSchema | null = null;
  const apollo = new ApolloServer<Context>({
    typeDefs: loadTypeDefs(),
    resolvers,
    formatError: createFormatError(options.log),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // api/main.ts owns SIGINT/SIGTERM (drain, then the job queue, engine, Prisma, PostgreSQL).
    stopOnTerminationSignals: false,
    validationRules: queryLimitRules(options.queryLimits ?? DEFAULT_QUERY_LIMITS),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: options.stopGracePeriodMillis ?? 5000 }),
      ApolloServerPluginLandingPageDisabled(),
      readAccessPlugin(options.requireKeyForReads ?? false),
      {
        async serverWillStart(service) {
          schema = service.schema;
        },
      },
    ],
  });
  await apollo.start();

  const engine = options.engine ?? new EngineService({ memoryBytes: 1024 * 1024 * 1024 });
  const deps: ServerDeps = {
    prisma: options.prisma, engine, modelRoots: options.modelRoots ?? [], jobs: options.jobs ?? null,
    maxBatchSize: options.maxBatchSize ?? MAX_BATCH_PROMPTS,
  };
  app.disable('x-powered-by');
  app.use(explorerRouter());
  app.use(
    GRAPHQL_PATH,
    express.json({ limit: options.bodyLimitBytes }),
    expressMiddleware(apollo, { context: async ({ req }) => createContext(deps, req.headers) }),
  );
  app.use(plotRouter(apollo, (req) => createContext(deps, req.headers)));
  app.use(httpErrorHandler);

  // graphql-ws on the same port and path (graphql-ws README, "use/ws").
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH });
  if (schema === null) throw new Error('internal: Apollo started without a schema');
  const wsCleanup = useServer<Record<string, unknown>, { request: http.IncomingMessage }>({
    schema,
    // The same depth and complexity limits as over HTTP.
    validate: validateWithLimits(options.queryLimits ?? DEFAULT_QUERY_LIMITS),
    // An unknown or revoked key, or no key while reads need one, refuses the connection (4403).
    onConnect: async (ctx) => {
      const context = await createContext(deps, wsHeaders(ctx.connectionParams, ctx.extra.request.headers)).catch(() => null);
      return context !== null && (context.caller !== null || !(options.requireKeyForReads ?? false));
    },
    context: async (ctx) => createContext(deps, wsHeaders(ctx.connectionParams, ctx.extra.request.headers)),
  }, wsServer);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  // A listening TCP server always has an AddressInfo address.
  const { port } = httpServer.address() as AddressInfo;
  const shownHost = options.host === undefined || options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  return {
    url: `http://${shownHost}:${port}${GRAPHQL_PATH}`,
    port,
    stop: async () => {
      await wsCleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      await apollo.stop();
      if (options.engine === undefined) await engine.close();
    },
  };
}
