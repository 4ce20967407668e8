// Attribution runs with a cache: the stored run for (model, prompt, target, method, engine
// version) or a new one. Identical requests compute once: in one process they share the pending
// promise; across processes the computation happens inside a transaction holding
// pg_advisory_xact_lock on the cache key, which re-reads the key after taking the lock. The run and
// all its scores are written in that one transaction, so readers see a whole SUCCEEDED run or none.
// The transaction is opened only once the engine's compute lane is ours, so requests waiting for
// the engine hold no database connection (a burst of distinct computations cannot starve reads).
import { attributeCache, forward, logSoftmax, topPrediction, type LoadedModel, type MethodName } from '../engine/index.js';
import type { PrismaClient } from './database/prisma.js';
import type { EngineService } from './engine-service.js';
import { badInput } from './errors.js';
import type { AttributionMethod, AttributionRun, Model, Prompt } from './generated/prisma/client.js';
import { ImmutableCache } from './immutable-cache.js';
import { ensureNeurons, type NeuronKey } from './neuron-rows.js';
import { modelConfigOf } from './prompt-import.js';

/** Part of every cache key: bump when stored results would change (engine or storage). */
export const ATTRIBUTION_ENGINE_VERSION = 'attr-1';
/** Value neurons (FFN and attention) and query neurons stored per run. */
export const STORED_TOP = 300;
/** targetTokenId of a PENDING row whose target is the model's (not yet computed) top-1 prediction. */
const PENDING_DEFAULT_TARGET = -1;
/** Top next-token predictions stored per run. */
const TOP_PREDICTIONS = 10;

/** GraphQL / Prisma method enum -> engine method name. */
const ENGINE_METHOD: Readonly<Record<AttributionMethod, MethodName>> = {
  LOG_PROB_INCREASE: 'log-prob-increase', LOG_PROB: 'log-prob', PROB_INCREASE: 'prob-increase', NORM: 'norm',
  COEFFICIENT: 'coefficient', INVERSE_RANK: 'rank', COEFFICIENT_TIMES_NORM: 'coefficient-norm', COEFFICIENT_OVER_RANK: 'coefficient-rank',
};

/** Stored in AttributionRun.summary. */
export interface RunSummary {
  readonly target: { readonly id: number; readonly prob: number; readonly logProb: number; readonly rank: number };
  readonly topPredictions: { readonly id: number; readonly prob: number }[];
  readonly queryLayers: unknown;
}

/** The cache key of a run (AttributionRun's unique key). */
interface RunKey {
  readonly modelId: number;
  readonly promptId: number;
  readonly targetTokenId: number;
  readonly method: AttributionMethod;
  readonly engineVersion: string;
}

export interface RunRequest {
  readonly model: Model;
  readonly prompt: Prompt;
  /** null: the model's top-1 prediction at the last position. */
  readonly targetTokenId: number | null;
  readonly method: AttributionMethod;
}

/** Computes and caches runs; `computations` counts attributions this process actually ran. */
export class AttributionService {
  computations = 0;
  /** SUCCEEDED runs by request key (immutable rows). */
  private readonly succeeded = new ImmutableCache<AttributionRun>(20_000);
  /** Score pages, prompts, models and neurons read by the attribution resolvers (immutable rows). */
  readonly pages = new ImmutableCache<unknown>(20_000);
  /** (model, prompt) -> top-1 token, so a cached default-target request needs no forward pass. */
  private readonly defaultTargets = new Map<string, number>();
  /** Computations in flight in this process, by cache key. */
  private readonly inflight = new Map<string, Promise<AttributionRun>>();

  constructor(private readonly prisma: PrismaClient, private readonly engine: EngineService) {}

  /** The SUCCEEDED run for the request's key, computing it first if there is none. */
  async run(request: RunRequest): Promise<AttributionRun> {
    const { model, prompt, method } = request;
    if (prompt.tokenIds.length === 0 || prompt.modelId !== model.id) {
      throw badInput('promptId', `prompt ${prompt.id} has no token ids for model ${model.name}: create it with the model (createPrompt modelId)`);
    }
    const config = modelConfigOf(model);
    if (request.targetTokenId !== null && (request.targetTokenId < 0 || request.targetTokenId >= config.dVocab || !Number.isInteger(request.targetTokenId))) {
      throw badInput('target', `target token id must be in [0, ${config.dVocab}): got ${request.targetTokenId}`);
    }
    const found = await this.cached(request);
    if (found !== null) return found;
    const targetTokenId = request.targetTokenId ?? (await this.defaultTarget(model, prompt));
    const key = { modelId: model.id, promptId: prompt.id, targetTokenId, method, engineVersion: ATTRIBUTION_ENGINE_VERSION };

    const lockKey = `${key.modelId}:${key.promptId}:${key.targetTokenId}:${key.method}:${key.engineVersion}`;
    const running = this.inflight.get(lockKey);
    if (running !== undefined) return running;
    const computing = this.engine.withModel(model.sourcePath, (m) => this.computeAndStore(m, key, lockKey, prompt.tokenIds))
      .finally(() => this.inflight.delete(lockKey));
    this.inflight.set(lockKey, computing);
    return computing;
  }

  /** Inside the engine lane: lock the key, reuse a run stored meanwhile, else compute and write it in one transaction. */
  private async computeAndStore(m: LoadedModel, key: RunKey, lockKey: string, tokenIds: readonly number[]): Promise<AttributionRun> {
    const { method, targetTokenId } = key;
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${lockKey})::bigint)::text AS locked`;
      const stored = await tx.attributionRun.findUnique({ where: { modelId_promptId_targetTokenId_method_engineVersion: key } });
      if (stored !== null && stored.status === 'SUCCEEDED') return stored;
      // A PENDING, RUNNING or FAILED row under the key becomes this run (its id, and the job's link, stay).

      const startedAt = new Date();
      const { result, topPredictions } = await compute(m, tokenIds, targetTokenId, ENGINE_METHOD[method]);
      this.computations++;
      const summary: RunSummary = { target: result.target, topPredictions, queryLayers: result.queryLayers };
      const data = {
        ...key, status: 'SUCCEEDED' as const, startedAt, finishedAt: new Date(), timings: result.stats.ms, error: null,
        summary: JSON.parse(JSON.stringify(summary)) as object,
      };
      const run = stored === null ? await tx.attributionRun.create({ data }) : await tx.attributionRun.update({ where: { id: stored.id }, data });
      const neuronKeys: NeuronKey[] = [
        ...result.ffnNeurons.map((n) => ({ kind: 'FFN' as const, layer: n.layer, head: -1, index: n.neuron })),
        ...result.attentionNeurons.map((n) => ({ kind: 'ATTENTION' as const, layer: n.layer, head: n.head, index: n.dim })),
        ...result.queryNeurons.map((n) => ({ kind: 'FFN' as const, layer: n.layer, head: -1, index: n.neuron })),
      ];
      const ids = await ensureNeurons(tx, key.modelId, neuronKeys);
      let i = 0;
      const scores = [
        ...result.ffnNeurons.map((n, r) => ({ runId: run.id, neuronId: ids[i++] ?? 0, role: 'VALUE' as const, score: n.score, coefficient: n.coefficient, rank: r + 1 })),
        ...result.attentionNeurons.map((n, r) => ({
          runId: run.id, neuronId: ids[i++] ?? 0, role: 'VALUE' as const, sourcePosition: n.position, score: n.score, coefficient: n.coefficient, rank: r + 1,
        })),
        ...result.queryNeurons.map((n, r) => ({ runId: run.id, neuronId: ids[i++] ?? 0, role: 'QUERY' as const, score: n.score, rank: r + 1 })),
      ];
      await tx.neuronScore.createMany({ data: scores });
      await tx.layerScore.createMany({
        data: [
          ...result.layers.flatMap((l) => [
            { runId: run.id, role: 'VALUE' as const, kind: 'ATTENTION' as const, layer: l.layer, score: l.attention },
            { runId: run.id, role: 'VALUE' as const, kind: 'FFN' as const, layer: l.layer, score: l.ffn },
          ]),
          ...result.queryLayers.ffnValues.layers.flatMap((l) => [
            { runId: run.id, role: 'QUERY' as const, kind: 'ATTENTION' as const, layer: l.layer, score: l.attention },
            { runId: run.id, role: 'QUERY' as const, kind: 'FFN' as const, layer: l.layer, score: l.ffn },
          ]),
        ],
      });
      await tx.headScore.createMany({
        data: [
          ...result.heads.map((h) => ({ runId: run.id, role: 'VALUE' as const, layer: h.layer, head: h.head, score: h.score })),
          ...result.headPositions.map((h) => ({ runId: run.id, role: 'VALUE' as const, layer: h.layer, head: h.head, sourcePosition: h.position, score: h.score })),
        ],
      });
      return run;
    }, { timeout: 15 * 60_000, maxWait: 15 * 60_000 });
  }

  /**
   * The stored SUCCEEDED run for the request, without computing: by the full key, or for the
   * default target the run whose target was the model's top-1 prediction (no forward pass needed).
   */
  async cached(request: RunRequest): Promise<AttributionRun | null> {
    const memo = `${request.model.id}:${request.prompt.id}:${request.targetTokenId ?? 'top'}:${request.method}`;
    const hit = this.succeeded.get(memo);
    if (hit !== undefined) return hit;
    const run = await this.lookup(request);
    return run === null ? null : this.succeeded.set(memo, run);
  }

  private async lookup(request: RunRequest): Promise<AttributionRun | null> {
    const base = { modelId: request.model.id, promptId: request.prompt.id, method: request.method, engineVersion: ATTRIBUTION_ENGINE_VERSION };
    if (request.targetTokenId !== null) {
      const run = await this.prisma.attributionRun.findUnique({ where: { modelId_promptId_targetTokenId_method_engineVersion: { ...base, targetTokenId: request.targetTokenId } } });
      return run?.status === 'SUCCEEDED' ? run : null;
    }
    return this.prisma.attributionRun.findFirst({ where: { ...base, status: 'SUCCEEDED', summary: { path: ['target', 'rank'], equals: 1 } }, orderBy: { id: 'asc' } });
  }

  /**
   * A PENDING run row for the request (target -1 = the model's prediction, resolved by the job),
   * created once; the caller queues the job that computes it.
   */
  async pendingRow(request: RunRequest): Promise<{ run: AttributionRun; created: boolean }> {
    const key = {
      modelId: request.model.id, promptId: request.prompt.id, targetTokenId: request.targetTokenId ?? PENDING_DEFAULT_TARGET,
      method: request.method, engineVersion: ATTRIBUTION_ENGINE_VERSION,
    };
    const { count } = await this.prisma.attributionRun.createMany({ data: [{ ...key, status: 'PENDING' }], skipDuplicates: true });
    const run = await this.prisma.attributionRun.findUniqueOrThrow({ where: { modelId_promptId_targetTokenId_method_engineVersion: key } });
    return { run, created: count === 1 };
  }

  private async defaultTarget(model: Model, prompt: Prompt): Promise<number> {
    const memo = `${model.id}:${prompt.id}`;
    let target = this.defaultTargets.get(memo);
    if (target === undefined) {
      target = await this.engine.withModel(model.sourcePath, async (m) => topPrediction(await forward(m, prompt.tokenIds, { hooks: [] })));
      if (this.defaultTargets.size > 100_000) this.defaultTargets.clear();
      this.defaultTargets.set(memo, target);
    }
    return target;
  }
}

async function compute(model: LoadedModel, ids: readonly number[], target: number, method: MethodName) {
  const cache = await forward(model, ids);
  const result = await attributeCache(model, cache, { target, method, top: Math.min(STORED_TOP, model.config.nLayers * model.config.dMlp), headPositions: true });
  const logits = cache.get('logits');
  const V = model.config.dVocab;
  const lp = logSoftmax(logits.data.subarray((ids.length - 1) * V, ids.length * V));
  const order = Array.from({ length: V }, (_, t) => t).sort((a, b) => lp[b] - lp[a]).slice(0, TOP_PREDICTIONS);
  return { result, topPredictions: order.map((id) => ({ id, prob: Math.exp(lp[id]) })) };
}

const services = new WeakMap<EngineService, AttributionService>();

/** The AttributionService of a server (one per EngineService, created on first use). */
export function attributionServiceFor(prisma: PrismaClient, engine: EngineService): AttributionService {
  let service = services.get(engine);
  if (service === undefined) {
    service = new AttributionService(prisma, engine);
    services.set(engine, service);
  }
  return service;
}
