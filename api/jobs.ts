// Background jobs on pg-boss (a PostgreSQL-backed queue in the same database, schema `pgboss`):
// batch attribution, projection indexing and evaluations. A Job row mirrors each queued job
// (status, progress, attempts, the worker running it) for the API. The handlers are idempotent
// (cached runs are reused, projections are inserted with ON CONFLICT DO NOTHING), so a retry
// finishes the work without storing anything twice.
//
// Dead workers: pg-boss 10 has no heartbeat (an active job of a killed worker waits for
// `expireSeconds`), so each working JobQueue registers a Worker row and beats every
// `heartbeatSeconds`. On every beat it looks for RUNNING jobs whose worker is dead (no beat for
// STALE_BEATS beats, its row deleted, or, on this host, its pid gone), claims each with a
// conditional UPDATE (one claimer wins) and fails it through pg-boss, which retries it
// (up to `retryLimit`). Expiry stays as the last resort for a worker that beats but hangs.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import PgBoss from 'pg-boss';
import { bulkProjectLayer, type LayerProjection, type NeuronKind } from '../engine/index.js';
import { attributionServiceFor } from './attribution-service.js';
import { runEvaluation, type EvaluatePayload } from './evaluation-job.js';
import type { PrismaClient } from './database/prisma.js';
import type { EngineService } from './engine-service.js';
import type { AttributionMethod, Job, Model, Prisma } from './generated/prisma/client.js';
import type { Logger } from './logger.js';
import { processAlive } from './process-alive.js';
import { ensureNeurons, type NeuronKey } from './neuron-rows.js';
import { PROJECTION_DEPTH, storableText } from './projections.js';

/** Job kinds = pg-boss queue names. */
export const JOB_KINDS = { attributeBatch: 'attribute-batch', indexProjections: 'index-projections', evaluate: 'evaluate' } as const;
export type JobKind = (typeof JOB_KINDS)[keyof typeof JOB_KINDS];

export interface AttributeBatchPayload {
  readonly modelId: number;
  readonly promptIds: number[];
  readonly method: AttributionMethod;
  /** Target of every prompt (default: each prompt's top-1 prediction). */
  readonly targetTokenId?: number | null;
  /** The PENDING run row an on-demand request returned: marked RUNNING, then replaced by the real run. */
  readonly pendingRunId?: number;
}
export interface IndexProjectionsPayload { readonly modelId: number }

export interface JobQueueOptions {
  readonly url: string;
  readonly expireSeconds: number;
  readonly retryLimit: number;
  /** Seconds between this worker's heartbeats (and dead-worker checks); default 10. */
  readonly heartbeatSeconds?: number;
  /** How often expired jobs are looked for (default 60 s; tests use 1). */
  readonly maintenanceSeconds?: number;
  readonly log: Logger;
}

/** Thrown by a running job's progress callback once the job was cancelled. */
class JobCancelled extends Error {
  constructor(readonly jobId: number) {
    super(`job ${jobId} was cancelled`);
    this.name = 'JobCancelled';
  }
}

/** A worker silent for this many heartbeats is dead. */
export const STALE_BEATS = 6;

/** Rows written per INSERT while indexing projections. */
const INSERT_BATCH = 20_000;

/** The queue: enqueue from the API, work from `npm run worker` or in-process workers. */
export class JobQueue {
  /** Seconds between heartbeats, and how long a silent worker counts as alive. */
  private readonly heartbeatSeconds: number;
  private readonly staleSeconds: number;

  private constructor(private readonly boss: PgBoss, private readonly prisma: PrismaClient, private readonly options: JobQueueOptions) {
    this.heartbeatSeconds = options.heartbeatSeconds ?? 10;
    this.staleSeconds = STALE_BEATS * this.heartbeatSeconds;
  }

  /** Starts pg-boss on `options.url` (creating its schema and the queues). */
  static async start(prisma: PrismaClient, options: JobQueueOptions): Promise<JobQueue> {
    const boss = new PgBoss({
      connectionString: options.url, schema: 'pgboss', max: 4, maintenanceIntervalSeconds: options.maintenanceSeconds ?? 60,
      schedule: false,
    });
    boss.on('error', (error: Error) => options.log.error('job queue error', error));
    await boss.start();
    for (const name of Object.values(JOB_KINDS)) {
      const queue = { name, retryLimit: options.retryLimit, retryDelay: 1, expireInSeconds: options.expireSeconds };
      if ((await boss.getQueue(name)) === null) await boss.createQueue(name, queue).catch(() => undefined);
      else await boss.updateQueue(name, queue);
    }
    return new JobQueue(boss, prisma, options);
  }

  /** Creates the Job row and queues it; returns the row. */
  async enqueue(kind: JobKind, payload: AttributeBatchPayload | IndexProjectionsPayload | EvaluatePayload): Promise<Job> {
    const runId = 'pendingRunId' in payload ? payload.pendingRunId : undefined;
    const job = await this.prisma.job.create({ data: { kind, payload: { ...payload }, runId } });
    const bossId = await this.boss.send(kind, { jobId: job.id }, { retryLimit: this.options.retryLimit, retryDelay: 1, expireInSeconds: this.options.expireSeconds });
    return this.prisma.job.update({ where: { id: job.id }, data: { payload: { ...payload, bossId } } });
  }

  /** This process's Worker row id once work() has started. */
  private workerId: string | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();

  /**
   * Starts workers for every kind in this process (one job at a time per kind), registers this
   * process as a Worker and starts its heartbeat, which also retries the jobs of dead workers.
   */
  async work(engine: EngineService): Promise<void> {
    const id = randomUUID();
    await this.touch(id);
    this.workerId = id;
    const every = this.heartbeatSeconds * 1000;
    this.beating = this.beat();
    await this.beating;
    this.heartbeat = setInterval(() => { this.beating = this.beating.then(() => this.beat()); }, every);
    this.heartbeat.unref();
    // pg-boss's own counters say whether a failure is final (the retry limit stored with the job,
    // whatever this process's configuration).
    const handle = (kind: JobKind) => async (jobs: { data: { jobId: number }; retryCount: number; retryLimit: number }[]) => {
      for (const j of jobs) await this.runJob(kind, j.data.jobId, engine, j.retryCount >= j.retryLimit);
    };
    for (const kind of Object.values(JOB_KINDS)) {
      await this.boss.work(kind, { pollingIntervalSeconds: 1, batchSize: 1, includeMetadata: true }, handle(kind));
    }
  }

  /**
   * Stops pg-boss (waits for running handlers up to its timeout; pg-boss then fails the ones still
   * running, which retries them unless it was their last attempt), records that on their Job
   * rows, and deregisters this worker.
   */
  async stop(): Promise<void> {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await this.beating;
    await this.boss.stop({ graceful: true, wait: true, timeout: 5000 });
    const id = this.workerId;
    if (id === null) return;
    this.workerId = null;
    for (const job of await this.prisma.job.findMany({ where: { workerId: id, status: 'RUNNING' } })) {
      const bossId = (job.payload as { bossId?: string }).bossId;
      // pg-boss is stopped: its job table is read directly (schema pgboss, as configured in start()).
      const [row] = bossId === undefined ? [] : await this.prisma.$queryRaw<{ state: string }[]>`
        SELECT state::text AS state FROM pgboss.job WHERE id = ${bossId}::uuid`;
      const final = row?.state === 'failed';
      const message = final ? 'its worker stopped during its last attempt' : 'its worker stopped; retrying';
      await this.settle(job.id, { status: 'RUNNING', workerId: id },
        { status: final ? 'FAILED' : 'QUEUED', workerId: null, error: message, ...(final ? { finishedAt: new Date() } : {}) }, final ? message : null);
    }
    await this.prisma.worker.deleteMany({ where: { id } });
  }

  /** One heartbeat: refresh this worker's row, then retry the jobs of dead workers. Never throws. */
  private async beat(): Promise<void> {
    const me = this.workerId;
    if (me === null) return;
    try {
      await this.touch(me);
      const requeued = await this.retryJobsOfDeadWorkers(me);
      if (requeued.length > 0) this.options.log.warn(`retrying jobs ${requeued.join(', ')}: their worker died`);
    } catch (error) {
      this.options.log.error('worker heartbeat failed', error);
    }
  }

  /**
   * Registers or refreshes Worker `id` with the database's clock (UTC, as Prisma stores
   * timestamps), so workers on machines with skewed clocks still agree on staleness.
   */
  private async touch(id: string): Promise<void> {
    await this.prisma.$executeRaw`
      INSERT INTO "Worker" ("id", "host", "pid", "startedAt", "heartbeatAt")
      VALUES (${id}, ${hostname()}, ${process.pid}, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
      ON CONFLICT ("id") DO UPDATE SET "heartbeatAt" = EXCLUDED."heartbeatAt"`;
  }

  /**
   * Fails (through pg-boss, so they are retried) the RUNNING jobs of dead workers and deletes the
   * dead workers' rows; returns the ids of the jobs it claimed.
   */
  async retryJobsOfDeadWorkers(me: string): Promise<number[]> {
    const staleMs = this.staleSeconds * 1000;
    const here = hostname();
    const others = await this.prisma.$queryRaw<{ id: string; host: string; pid: number; silentMs: number }[]>`
      SELECT "id", "host", "pid", (EXTRACT(EPOCH FROM ((now() AT TIME ZONE 'UTC') - "heartbeatAt")) * 1000)::float8 AS "silentMs"
      FROM "Worker" WHERE "id" <> ${me}`;
    const dead = new Map<string, string>();
    for (const w of others) {
      if (w.silentMs > staleMs) dead.set(w.id, `its worker ${w.host}:${w.pid} sent no heartbeat for ${Math.round(w.silentMs / 1000)} s`);
      else if (w.host === here && !processAlive(w.pid)) dead.set(w.id, `its worker process ${w.pid} on ${here} is gone`);
    }
    const live = new Set(others.map((w) => w.id));
    const running = await this.prisma.job.findMany({
      where: { status: 'RUNNING', workerId: { not: null } }, select: { id: true, kind: true, workerId: true, payload: true },
    });
    const requeued: number[] = [];
    for (const job of running) {
      const owner = job.workerId;
      if (owner === null || owner === me) continue;
      const why = dead.get(owner) ?? (live.has(owner) ? null : 'its worker deregistered');
      if (why === null) continue;
      const claimed = await this.prisma.job.updateMany({
        where: { id: job.id, status: 'RUNNING', workerId: owner },
        data: { status: 'QUEUED', workerId: null, error: `${why}; retrying` },
      });
      if (claimed.count !== 1) continue; // another worker claimed it, or it moved on
      const bossId = (job.payload as { bossId?: string }).bossId;
      if (bossId !== undefined) {
        await this.boss.fail(job.kind, bossId, { message: why });
        // pg-boss retried it, or it had no retry left.
        if ((await this.boss.getJobById(job.kind, bossId))?.state === 'failed') {
          await this.settle(job.id, { status: 'QUEUED' }, { status: 'FAILED', error: why, finishedAt: new Date() }, why);
        }
      }
      requeued.push(job.id);
    }
    if (dead.size > 0) await this.prisma.worker.deleteMany({ where: { id: { in: [...dead.keys()] } } });
    return requeued;
  }

  /** Workers whose last heartbeat is at most STALE_BEATS heartbeats old. */
  async liveWorkers(): Promise<number> {
    const [row] = await this.prisma.$queryRaw<{ live: number }[]>`
      SELECT count(*)::int AS live FROM "Worker" WHERE "heartbeatAt" >= (now() AT TIME ZONE 'UTC') - make_interval(secs => ${this.staleSeconds})`;
    return row?.live ?? 0;
  }

  /**
   * In one transaction: moves job `jobId` to `data` if it still matches `where` and, when
   * `runError` is given (the job will not run again), marks the placeholder run an on-demand
   * request returned as FAILED with it. Readers never see the job ended and its run still pending.
   * Returns whether the job row changed.
   */
  private async settle(jobId: number, where: Prisma.JobWhereInput, data: Prisma.JobUpdateManyMutationInput, runError: string | null): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.job.updateMany({ where: { ...where, id: jobId }, data });
      if (count === 0 || runError === null) return count === 1;
      const job = await tx.job.findUniqueOrThrow({ where: { id: jobId }, select: { payload: true } });
      const pending = (job.payload as { pendingRunId?: number }).pendingRunId;
      if (pending !== undefined) {
        await tx.attributionRun.updateMany({ where: { id: pending, status: { not: 'SUCCEEDED' } }, data: { status: 'FAILED', error: runError } });
      }
      return true;
    });
  }

  /**
   * Cancels a QUEUED or RUNNING job: pg-boss will not hand it out again, and a running handler
   * stops at its next progress step (work already stored, such as finished runs, stays). The
   * placeholder run an on-demand request returned becomes FAILED. Returns null when the job had
   * already ended.
   */
  async cancel(jobId: number): Promise<Job | null> {
    const changed = await this.settle(jobId, { status: { in: ['QUEUED', 'RUNNING'] } },
      { status: 'CANCELLED', workerId: null, finishedAt: new Date() }, 'its job was cancelled');
    if (!changed) return null;
    const job = await this.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
    const bossId = (job.payload as { bossId?: string }).bossId;
    if (bossId !== undefined) await this.boss.cancel(job.kind, bossId);
    return job;
  }

  /** Runs one job; `lastAttempt`: pg-boss will not retry it if it fails. */
  private async runJob(kind: JobKind, jobId: number, engine: EngineService, lastAttempt: boolean): Promise<void> {
    // Conditional: a job cancelled (or ended) since pg-boss handed it out is not run.
    const { count } = await this.prisma.job.updateMany({
      where: { id: jobId, status: { in: ['QUEUED', 'RUNNING'] } },
      data: { status: 'RUNNING', workerId: this.workerId, attempts: { increment: 1 }, startedAt: new Date(), error: null },
    });
    if (count === 0) return;
    const job = await this.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
    // Progress updates double as cancellation checks: an update that finds the job no longer
    // RUNNING rejects with JobCancelled (callers that await progress stop there), and every later
    // call throws it synchronously (which also stops engine loops reporting progress from
    // synchronous callbacks without awaiting). A failed update is only logged.
    let cancelled = false;
    const progress = (fraction: number): Promise<void> => {
      if (cancelled) throw new JobCancelled(jobId);
      const update = this.prisma.job.updateMany({ where: { id: jobId, status: 'RUNNING' }, data: { progress: fraction } }).then((r) => {
        if (r.count === 0) {
          cancelled = true;
          throw new JobCancelled(jobId);
        }
      }, (error: unknown) => this.options.log.warn(`job ${jobId}: progress not stored`, error));
      update.catch(() => undefined); // handled here for callers that do not await it
      return update;
    };
    try {
      // Payloads are written by enqueue() for the same kind.
      const payload = job.payload as unknown;
      const result = kind === JOB_KINDS.attributeBatch
        ? await runAttributeBatch(this.prisma, engine, jobId, payload as AttributeBatchPayload, progress)
        : kind === JOB_KINDS.evaluate
          ? await runEvaluation(this.prisma, engine, payload as EvaluatePayload, progress) as object
          : await runIndexProjections(this.prisma, engine, payload as IndexProjectionsPayload, progress);
      await this.prisma.job.updateMany({ where: { id: jobId, status: 'RUNNING' }, data: { status: 'SUCCEEDED', progress: 1, result, finishedAt: new Date(), workerId: null } });
    } catch (error) {
      if (error instanceof JobCancelled) {
        this.options.log.info(`job ${jobId} (${kind}) cancelled at attempt ${job.attempts}`);
        return; // pg-boss already holds it as cancelled
      }
      const message = error instanceof Error ? error.message : String(error);
      const final = lastAttempt;
      this.options.log.warn(`job ${jobId} (${kind}) attempt ${job.attempts} failed${final ? '' : ', will retry'}: ${message}`);
      const still = await this.settle(jobId, { status: 'RUNNING' },
        { status: final ? 'FAILED' : 'QUEUED', workerId: null, error: message, ...(final ? { finishedAt: new Date() } : {}) }, final ? message : null);
      if (!still) return; // cancelled meanwhile
      throw error;
    }
  }
}

async function modelOf(prisma: PrismaClient, modelId: number): Promise<Model> {
  return prisma.model.findUniqueOrThrow({ where: { id: modelId } });
}

/** Attributes every prompt (cached runs are reused); result: { runs, computed }. */
async function runAttributeBatch(prisma: PrismaClient, engine: EngineService, jobId: number, payload: AttributeBatchPayload,
  progress: (fraction: number) => Promise<void>): Promise<{ runs: number[] }> {
  const model = await modelOf(prisma, payload.modelId);
  const service = attributionServiceFor(prisma, engine);
  const pending = payload.pendingRunId;
  if (pending !== undefined) await prisma.attributionRun.updateMany({ where: { id: pending, status: 'PENDING' }, data: { status: 'RUNNING', startedAt: new Date() } });
  const runs: number[] = [];
  for (const [i, promptId] of payload.promptIds.entries()) {
    const prompt = await prisma.prompt.findUniqueOrThrow({ where: { id: promptId } });
    runs.push((await service.run({ model, prompt, targetTokenId: payload.targetTokenId ?? null, method: payload.method })).id);
    await progress((i + 1) / payload.promptIds.length);
  }
  if (pending !== undefined && runs[0] !== undefined && runs[0] !== pending) {
    // The default target resolved to a key other than the placeholder's: point the job at the real run.
    await prisma.$transaction([
      prisma.job.update({ where: { id: jobId }, data: { runId: runs[0] } }),
      prisma.attributionRun.deleteMany({ where: { id: pending, status: { not: 'SUCCEEDED' } } }),
    ]);
  }
  return { runs };
}

/**
 * Top/bottom PROJECTION_DEPTH tokens of every FFN and attention neuron, one layer and kind per
 * engine call (so on-demand requests on the same model interleave), inserted with
 * ON CONFLICT DO NOTHING (a retry completes a partial index). Result: { neurons }.
 */
export async function runIndexProjections(prisma: PrismaClient, engine: EngineService, payload: IndexProjectionsPayload,
  progress: (fraction: number) => Promise<void>): Promise<{ neurons: number }> {
  const model = await modelOf(prisma, payload.modelId);
  const tokenizer = engine.tokenizer(model.sourcePath);
  const text = (id: number) => (tokenizer === null ? null : storableText(tokenizer.tokenText(id)));
  const { nLayers: L, dMlp, nHeads: H, dHead: dh } = model.config as unknown as { nLayers: number; dMlp: number; nHeads: number; dHead: number };
  const k = PROJECTION_DEPTH;
  const keyOf = (kind: NeuronKind, layer: number, r: number): NeuronKey => (kind === 'ffn'
    ? { kind: 'FFN', layer, head: -1, index: r }
    : { kind: 'ATTENTION', layer, head: Math.floor(r / dh), index: r % dh });
  const write = async (kind: NeuronKind, p: LayerProjection) => {
    const count = kind === 'ffn' ? dMlp : H * dh;
    const ids = await ensureNeurons(prisma, model.id, Array.from({ length: count }, (_, r) => keyOf(kind, p.layer, r)));
    const sides = [['TOP', p.topIds, p.topLogits], ['BOTTOM', p.bottomIds, p.bottomLogits]] as const;
    const rows = ids.flatMap((neuronId, n) => sides.flatMap(([side, tokenIds, logits]) => Array.from({ length: k }, (_, r) => ({
      neuronId, side, rank: r + 1, tokenId: tokenIds[n * k + r] ?? 0, token: text(tokenIds[n * k + r] ?? 0), logit: logits[n * k + r] ?? 0,
    }))));
    for (let s = 0; s < rows.length; s += INSERT_BATCH) {
      const batch = rows.slice(s, s + INSERT_BATCH);
      // One statement over column arrays (unnest): far fewer bind parameters than a multi-row VALUES.
      await prisma.$executeRaw`
        INSERT INTO "VocabProjection" ("modelId", "neuronId", "side", "rank", "tokenId", "token", "logit")
        SELECT ${model.id}, n, sd::"ProjectionSide", r, t, tx, lg
        FROM unnest(${batch.map((b) => b.neuronId)}::int[], ${batch.map((b) => b.side)}::text[], ${batch.map((b) => b.rank)}::int[],
                    ${batch.map((b) => b.tokenId)}::int[], ${batch.map((b) => b.token)}::text[], ${batch.map((b) => b.logit)}::float8[])
          AS u(n, sd, r, t, tx, lg)
        ON CONFLICT ("neuronId", "side", "rank") DO NOTHING`;
    }
    return count;
  };
  let neurons = 0;
  const kinds: NeuronKind[] = ['ffn', 'attention'];
  for (let l = 0; l < L; l++) {
    for (const [i, kind] of kinds.entries()) {
      const p = await engine.withModel(model.sourcePath, (m) => bulkProjectLayer(m, kind, l, k));
      neurons += await write(kind, p);
      await progress((kinds.length * l + i + 1) / (kinds.length * L));
    }
  }
  return { neurons };
}
