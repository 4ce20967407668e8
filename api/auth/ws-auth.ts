// API keys on graphql-ws connections: browsers cannot set headers on a WebSocket, so the key may
// also come in the connection_init payload (`connectionParams: { authorization: 'Bearer <key>' }`).
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The headers to build a WebSocket operation's context from: the upgrade request's, with
 * `connectionParams.authorization` (or `Authorization`) taking precedence when it is a string.
 */
export function wsHeaders(connectionParams: Readonly<Record<string, unknown>> | undefined, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const fromParams = connectionParams?.authorization ?? connectionParams?.Authorization;
  return typeof fromParams === 'string' ? { ...headers, authorization: fromParams } : headers;
}
