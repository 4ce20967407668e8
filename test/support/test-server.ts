// The real API server on an ephemeral port, and a GraphQL client speaking real HTTP to it.
import type { PrismaClient } from '../../api/database/prisma.js';
import type { EngineService } from '../../api/engine-service.js';
import type { JobQueue } from '../../api/jobs.js';
import type { Logger } from '../../api/logger.js';
import type { QueryLimits } from '../../api/protection/query-limits.js';
import { startApiServer } from '../../api/server.js';

export interface GraphQLResponse {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into arbitrary response shapes
  readonly body: { data?: any; errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[] };
}

export interface TestServer {
  readonly url: string;
  /** Error lines the server logged (masked errors land here). */
  readonly logged: string[];
  /** POSTs `{ query, variables }` to /graphql. */
  graphql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  /** POSTs a raw body (for malformed and oversized requests). */
  post(body: string, headers?: Record<string, string>): Promise<GraphQLResponse>;
  stop(): Promise<void>;
}

/** Starts the API on port 0 over `prisma`. */
export async function startTestServer(prisma: PrismaClient, options: {
  bodyLimitBytes?: number; engine?: EngineService; modelRoots?: readonly string[]; jobs?: JobQueue; maxBatchSize?: number;
  requireKeyForReads?: boolean;
  queryLimits?: QueryLimits;
} = {}): Promise<TestServer> {
  const logged: string[] = [];
  const keep = (message: string, detail?: unknown) => {
    logged.push(`${message}${detail instanceof Error ? `: ${detail.message}` : ''}`);
  };
  const log: Logger = { debug: () => {}, info: () => {}, warn: keep, error: keep };
  const server = await startApiServer({
    port: 0,
    host: '127.0.0.1',
    bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
    log,
    prisma,
    engine: options.engine,
    modelRoots: options.modelRoots,
    jobs: options.jobs ?? null,
    maxBatchSize: options.maxBatchSize,
    requireKeyForReads: options.requireKeyForReads ?? false,
    queryLimits: options.queryLimits,
    stopGracePeriodMillis: 1000,
  });
  const post = async (body: string, headers: Record<string, string> = {}): Promise<GraphQLResponse> => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await res.text();
    let parsed: GraphQLResponse['body'];
    try {
      parsed = JSON.parse(text) as GraphQLResponse['body']; // the shape the tests then assert on
    } catch {
      throw new Error(`HTTP ${res.status} with a non-JSON body: ${text.slice(0, 200)}`);
    }
    return { status: res.status, body: parsed };
  };
  return {
    url: server.url,
    logged,
    post,
    graphql: (query, variables, headers) => post(JSON.stringify({ query, variables }), headers),
    stop: () => server.stop(),
  };
}
