// Query.job, Mutation.attributeBatch / indexProjections / evaluate / cancelJob, Subscription.jobProgress and the Job type.
import { parseMethod } from '../../engine/index.js';
import { requireRole } from '../auth/require-role.js';
import type { Context } from '../context.js';
import { apiError, badInput, ErrorCode, notFound } from '../errors.js';
import type { JobResolvers, MutationResolvers, QueryResolvers, SubscriptionResolvers } from '../generated/graphql.js';
import type { Job } from '../generated/prisma/client.js';
import { JOB_KINDS, type JobQueue } from '../jobs.js';
import { fromGlobalId, toGlobalId } from '../relay.js';

/** Most prompts one attributeBatch accepts unless configured (ATLAS_MAX_BATCH_SIZE: context.maxBatchSize). */
export const MAX_BATCH_PROMPTS = 1000;
/** How often jobProgress looks at the Job row (the worker may be another process). */
const POLL_MS = 250;

function queueOf(context: Context): JobQueue {
  if (context.jobs === null) throw apiError(ErrorCode.BAD_USER_INPUT, 'this server runs without a job queue');
  return context.jobs;
}

const job: QueryResolvers['job'] = async (_parent, args, { prisma }) => {
  const found = await prisma.job.findUnique({ where: { id: fromGlobalId(args.id, 'Job') } });
  if (found === null) throw notFound('Job', args.id);
  return found;
};

const attributeBatch: MutationResolvers['attributeBatch'] = async (_parent, { input }, context) => {
  requireRole(context, 'ANNOTATOR');
  const queue = queueOf(context);
  const modelId = fromGlobalId(input.model, 'Model', 'input.model');
  if ((await context.loaders.modelById.load(modelId)) === null) throw notFound('Model', input.model);
  if ((input.promptIds == null) === (input.knowledgeType == null)) throw badInput('input', 'give input.promptIds or input.knowledgeType, not both');
  let promptIds: number[];
  if (input.promptIds != null) {
    if (input.promptIds.length < 1 || input.promptIds.length > context.maxBatchSize) {
      throw badInput('input.promptIds', `input.promptIds must have 1 to ${context.maxBatchSize} ids: got ${input.promptIds.length}`);
    }
    promptIds = input.promptIds.map((id) => fromGlobalId(id, 'Prompt', 'input.promptIds'));
    const found = await context.prisma.prompt.count({ where: { id: { in: promptIds }, modelId } });
    if (found !== new Set(promptIds).size) throw badInput('input.promptIds', 'every prompt must exist and belong to the model');
  } else {
    const rows = await context.prisma.prompt.findMany({ where: { modelId, knowledgeType: { name: input.knowledgeType ?? '' } }, select: { id: true }, orderBy: { id: 'asc' } });
    if (rows.length === 0) throw badInput('input.knowledgeType', `no prompts of type ${JSON.stringify(input.knowledgeType)} for this model`);
    if (rows.length > context.maxBatchSize) throw badInput('input.knowledgeType', `at most ${context.maxBatchSize} prompts per batch: the type has ${rows.length}`);
    promptIds = rows.map((r) => r.id);
  }
  return queue.enqueue(JOB_KINDS.attributeBatch, { modelId, promptIds, method: input.method ?? 'LOG_PROB_INCREASE' });
};

const indexProjections: MutationResolvers['indexProjections'] = async (_parent, args, context) => {
  requireRole(context, 'ADMIN');
  const queue = queueOf(context);
  const modelId = fromGlobalId(args.model, 'Model', 'model');
  if ((await context.loaders.modelById.load(modelId)) === null) throw notFound('Model', args.model);
  return queue.enqueue(JOB_KINDS.indexProjections, { modelId });
};

/** Most sentences per knowledge type one evaluation job accepts. */
const MAX_EVALUATION_PER_TYPE = 500;

const evaluate: MutationResolvers['evaluate'] = async (_parent, { input }, context) => {
  requireRole(context, 'ANNOTATOR');
  const queue = queueOf(context);
  const modelId = fromGlobalId(input.model, 'Model', 'input.model');
  if ((await context.loaders.modelById.load(modelId)) === null) throw notFound('Model', input.model);
  const count = (name: string, value: number | null | undefined, fallback: number, max: number): number => {
    const n = value ?? fallback;
    if (!Number.isInteger(n) || n < 1 || n > max) throw badInput(`input.${name}`, `input.${name} must be in [1, ${max}]: got ${n}`);
    return n;
  };
  const type = input.knowledgeType ?? null;
  if (type !== null && (await context.prisma.knowledgeType.findUnique({ where: { name: type } })) === null) throw notFound('KnowledgeType', type);
  for (const m of input.methods ?? []) {
    try {
      parseMethod(m);
    } catch {
      throw badInput('input.methods', `unknown method ${JSON.stringify(m)}: use a-h or a method name`);
    }
  }
  return queue.enqueue(JOB_KINDS.evaluate, {
    modelId, knowledgeType: type, perType: count('perType', input.perType, 10, MAX_EVALUATION_PER_TYPE),
    k: count('k', input.k, 10, 10_000), methods: input.methods ?? null, valueAttention: count('valueAttention', input.valueAttention, 200, 100_000),
    valueFfn: count('valueFfn', input.valueFfn, 100, 100_000), queryNeurons: count('queryNeurons', input.queryNeurons, 1000, 100_000),
    seed: input.seed ?? 0,
  });
};

const cancelJob: MutationResolvers['cancelJob'] = async (_parent, args, context) => {
  const id = fromGlobalId(args.id, 'Job');
  const found = await context.prisma.job.findUnique({ where: { id } });
  if (found === null) throw notFound('Job', args.id);
  requireRole(context, found.kind === JOB_KINDS.indexProjections ? 'ADMIN' : 'ANNOTATOR');
  const cancelled = await queueOf(context).cancel(id);
  if (cancelled === null) {
    const now = await context.prisma.job.findUniqueOrThrow({ where: { id } });
    throw apiError(ErrorCode.CONFLICT, `job ${args.id} has already ended: ${now.status}`, { status: now.status });
  }
  return cancelled;
};

const TERMINAL = new Set<Job['status']>(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Yields the Job row now and whenever its status, progress or attempts change, until it ends. */
async function* watchJob(context: Context, id: number): AsyncGenerator<{ jobProgress: Job }> {
  let last = '';
  for (;;) {
    const row = await context.prisma.job.findUnique({ where: { id } });
    if (row === null) throw notFound('Job', toGlobalId('Job', id));
    const state = `${row.status}:${row.progress}:${row.attempts}`;
    if (state !== last) {
      last = state;
      yield { jobProgress: row };
    }
    if (TERMINAL.has(row.status)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export const jobQueries: Pick<QueryResolvers, 'job'> = { job };
export const jobMutations: Pick<MutationResolvers, 'attributeBatch' | 'indexProjections' | 'evaluate' | 'cancelJob'> = { attributeBatch, indexProjections, evaluate, cancelJob };
export const jobSubscriptions: SubscriptionResolvers = {
  jobProgress: {
    subscribe: (_parent, args, context) => watchJob(context, fromGlobalId(args.id, 'Job')),
  },
};

export const JobType: JobResolvers = {
  id: (row) => toGlobalId('Job', row.id),
  result: (row) => (row.result === null ? null : JSON.stringify(row.result)),
  run: (row, _args, { prisma }) => (row.runId === null ? null : prisma.attributionRun.findUnique({ where: { id: row.runId } })),
};
