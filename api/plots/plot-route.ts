// Plots by URL, for dashboards and papers that embed an image rather than run GraphQL:
//   GET /plots/knowledge-map/<kind>.svg?model=<Model ID>&knowledgeType=<name>[&top=N]   image/svg+xml
//   GET /plots/knowledge-map/<kind>.json?...                                             Vega-Lite spec
// <kind> is layer-histogram, layer-scores or head-heatmap. The route runs the same
// `knowledgeMapPlot` query as GraphQL clients (same auth, limits and typed errors); an error answers
// `{ errors: [...] }` with the HTTP status of its extensions.code.
import type { ApolloServer } from '@apollo/server';
import { Router, type Request } from 'express';
import type { Context } from '../context.js';
import { ErrorCode } from '../errors.js';

const KINDS: Record<string, string> = {
  'layer-histogram': 'LAYER_HISTOGRAM',
  'layer-scores': 'LAYER_SCORES',
  'head-heatmap': 'HEAD_HEATMAP',
};

const STATUS: Record<string, number> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
};

const PLOT = `query Plot($model: ID!, $knowledgeType: String!, $kind: KnowledgeMapPlotKind!, $top: Int!) {
  knowledgeMapPlot(model: $model, knowledgeType: $knowledgeType, kind: $kind, top: $top) { vegaLite svg } }`;

interface PlotError {
  message: string;
  extensions: { code: string };
}

function badInput(message: string): PlotError {
  return { message, extensions: { code: ErrorCode.BAD_USER_INPUT } };
}

/** The plot routes; `context` builds the same per-request context as /graphql. */
export function plotRouter(apollo: ApolloServer<Context>, context: (req: Request) => Promise<Context>): Router {
  const router = Router();
  router.get('/plots/knowledge-map/:file', async (req, res) => {
    const send = (status: number, errors: PlotError[]) => res.status(status).json({ errors });
    const match = /^([a-z-]+)\.(svg|json)$/.exec(req.params.file);
    const kind = match ? KINDS[match[1]] : undefined;
    if (!match || !kind) {
      send(404, [{ message: `no plot ${JSON.stringify(req.params.file)}: use <kind>.svg or <kind>.json with kind one of ${Object.keys(KINDS).join(', ')}`, extensions: { code: ErrorCode.NOT_FOUND } }]);
      return;
    }
    const { model, knowledgeType, top = '300' } = req.query;
    if (typeof model !== 'string' || typeof knowledgeType !== 'string') {
      send(400, [badInput('query parameters model (a Model ID) and knowledgeType (a name) are required')]);
      return;
    }
    const topN = Number(top);
    if (typeof top !== 'string' || !Number.isInteger(topN)) {
      send(400, [badInput(`top must be an integer: got ${JSON.stringify(top)}`)]);
      return;
    }
    let contextValue: Context;
    try {
      contextValue = await context(req);
    } catch (e) {
      const code = (e as { extensions?: { code?: string } }).extensions?.code ?? ErrorCode.UNAUTHENTICATED;
      send(STATUS[code] ?? 500, [{ message: (e as Error).message, extensions: { code } }]);
      return;
    }
    const response = await apollo.executeOperation(
      { query: PLOT, variables: { model, knowledgeType, kind, top: topN } },
      { contextValue },
    );
    // A query without @defer/@stream always answers in a single result.
    const result = response.body.kind === 'single' ? response.body.singleResult : null;
    const errors = (result?.errors ?? []) as PlotError[];
    if (result === null || errors.length > 0) {
      send(Math.max(...errors.map((e) => STATUS[e.extensions?.code] ?? 500), 400), errors);
      return;
    }
    const plot = (result.data as { knowledgeMapPlot: { vegaLite: string; svg: string } | null }).knowledgeMapPlot;
    if (plot === null) {
      send(404, [{ message: `no stored attribution runs of type ${JSON.stringify(knowledgeType)} for this model yet`, extensions: { code: ErrorCode.NOT_FOUND } }]);
      return;
    }
    if (match[2] === 'svg') res.type('image/svg+xml').send(plot.svg);
    else res.type('application/json').send(plot.vegaLite);
  });
  return router;
}
