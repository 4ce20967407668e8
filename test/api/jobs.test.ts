// Jobs over real HTTP and graphql-ws: projection indexing with progress through the subscription,
// batch attribution, a worker process SIGKILLed mid-batch whose job is retried by pg-boss and
// completes without storing any run twice, and a worker on "another machine" that stops beating.
// Jobs expire only after an hour here, so every retry below comes from the heartbeat check.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import PgBoss from 'pg-boss';
import WebSocket from 'ws';
import { ATTRIBUTION_ENGINE_VERSION } from '../../api/attribution-service.js';
import { createApiKey } from '../../api/auth/api-keys.js';
import { PROJECT_ROOT } from '../../api/config.js';
import { EngineService } from '../../api/engine-service.js';
import { JobQueue } from '../../api/jobs.js';
import { fromGlobalId, toGlobalId } from '../../api/relay.js';
import { loadModel, projectNeuron } from '../../engine/index.js';
import { PRESETS, writeRandomCheckpoint } from '../../scripts/lib/random-checkpoint.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { quietLogger as quiet } from '../support/quiet-logger.js';

let db: TestDatabase;
let server: TestServer;
let engine: EngineService;
let jobs: JobQueue;
let root: string;
let admin: Record<string, string>;
const EXPIRE_SECONDS = 3600;
const HEARTBEAT_SECONDS = 1;
const children: ChildProcess[] = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'atlas-jobs-'));
  writeRandomCheckpoint(path.join(root, 'tiny'), { ...PRESETS['tiny-gpt2'], seed: 3 });
  db = await createTestDatabase();
  engine = new EngineService({ memoryBytes: 64 * 1024 * 1024 });
  jobs = await JobQueue.start(db.prisma, { url: db.url, expireSeconds: EXPIRE_SECONDS, retryLimit: 3, heartbeatSeconds: HEARTBEAT_SECONDS, log: quiet, maintenanceSeconds: 1 });
  server = await startTestServer(db.prisma, { engine, modelRoots: [root], jobs });
  admin = { authorization: `Bearer ${(await createApiKey(db.prisma, 'admin', 'ADMIN')).key}` };
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await server?.stop();
  await jobs?.stop();
  await engine?.close();
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', '--import', 'tsx', 'api/worker.ts'], {
    cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: db.url, ATLAS_JOB_EXPIRE_SECONDS: String(EXPIRE_SECONDS),
      ATLAS_WORKER_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS), ATLAS_LOG_LEVEL: 'error' },
  });
  children.push(child);
  return child;
}

/** Runs `fn` while a worker process runs; then stops it with SIGTERM and waits for its exit. */
async function withWorker(fn: () => Promise<void>): Promise<void> {
  const worker = startWorker();
  try {
    await fn();
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('registerModel queues projection indexing; jobProgress streams its progress over graphql-ws to SUCCEEDED', async () => {
  const reg = await server.graphql('mutation { registerModel(path: "tiny", name: "tiny") { id } }', {}, admin);
  expect(reg.body.errors).toBeUndefined();
  const modelId = fromGlobalId(reg.body.data.registerModel.id, 'Model');
  const job = await db.prisma.job.findFirstOrThrow({ where: { kind: 'index-projections' } });
  const worker = startWorker();
  const client = createClient({ url: server.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket });
  const seen: { status: string; progress: number }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ jobProgress: { status: string; progress: number } }>(
        { query: 'subscription($id: ID!) { jobProgress(id: $id) { status progress attempts } }', variables: { id: toGlobalId('Job', job.id) } },
        { next: (msg) => { if (msg.data) seen.push(msg.data.jobProgress); }, error: reject, complete: resolve },
      );
    });
  } finally {
    await client.dispose();
    worker.kill('SIGTERM');
  }
  expect(seen.at(-1)).toMatchObject({ status: 'SUCCEEDED', progress: 1 });
  const progress = seen.map((s) => s.progress);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  const { nLayers, dMlp, nHeads, dModel } = PRESETS['tiny-gpt2'];
  const neurons = nLayers * dMlp + nLayers * nHeads * (dModel / nHeads);
  expect(await db.prisma.vocabProjection.count({ where: { modelId } })).toBe(neurons * 40);
  // A stored row against the engine's own single-neuron projection.
  const n = await db.prisma.neuron.findFirstOrThrow({ where: { modelId, kind: 'ATTENTION', layer: 1, head: 2, index: 3 } });
  const stored = await db.prisma.vocabProjection.findMany({ where: { neuronId: n.id, side: 'TOP' }, orderBy: { rank: 'asc' } });
  const model = await loadModel(path.join(root, 'tiny'));
  try {
    const direct = await projectNeuron(model, { kind: 'attention', layer: 1, head: 2, dim: 3 }, 20);
    expect(stored.map((s) => s.tokenId)).toEqual(direct.top.map((t) => t.id));
    const worst = Math.max(...stored.map((s, i) => Math.abs(s.logit - (direct.top[i]?.logit ?? NaN))));
    if (!(worst < 1e-5)) throw new Error(`largest logit difference ${worst}`);
  } finally {
    await model.dispose();
  }
}, 120_000);

it('a worker SIGKILLed mid-batch: pg-boss retries the job, it completes, no run is stored twice', async () => {
  const model = await db.prisma.model.findUniqueOrThrow({ where: { name: 'tiny' } });
  const promptIds: string[] = [];
  for (let i = 0; i < 30; i++) {
    const p = await db.prisma.prompt.create({ data: { modelId: model.id, tokenIds: [i % 97, (i * 7) % 97, (i * 13 + 5) % 97, 11], tokens: [] } });
    promptIds.push(toGlobalId('Prompt', p.id));
  }
  const res = await server.graphql('mutation($i: BatchAttributionInput!) { attributeBatch(input: $i) { id status } }',
    { i: { model: toGlobalId('Model', model.id), promptIds } }, admin);
  expect(res.body.errors).toBeUndefined();
  const jobId = fromGlobalId(res.body.data.attributeBatch.id, 'Job');
  const first = startWorker();
  const at = await waitFor('the first worker to make progress', async () => {
    const j = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
    return j.progress > 0.05 ? j.progress : null;
  }, 60_000);
  const killedWorker = (await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } })).workerId;
  expect(await db.prisma.worker.count({ where: { id: killedWorker ?? '', pid: first.pid } })).toBe(1);
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const killedAt = Date.now();
  const afterKill = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
  expect(afterKill.status).toBe('RUNNING');
  expect(afterKill.progress).toBeLessThan(1);
  const second = startWorker();
  const retried = await waitFor('the second worker to take the job over', async () => {
    const j = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
    return j.status === 'SUCCEEDED' || (j.workerId !== null && j.workerId !== killedWorker) ? Date.now() : null;
  }, 60_000);
  try {
    const done = await waitFor('the job to finish after the retry', async () => {
      const j = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
      return j.status === 'SUCCEEDED' || j.status === 'FAILED' ? j : null;
    }, 120_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    process.stdout.write(`killed at progress ${at.toFixed(2)}; retried ${((retried - killedAt) / 1000).toFixed(1)} s after the kill (expiry: ${EXPIRE_SECONDS} s); finished after ${done.attempts} attempts\n`);
    expect(await db.prisma.worker.count({ where: { id: killedWorker ?? '' } })).toBe(0);
  } finally {
    second.kill('SIGTERM');
  }
  const runs = await db.prisma.attributionRun.groupBy({ by: ['promptId'], where: { modelId: model.id }, _count: { _all: true } });
  expect(runs).toHaveLength(30);
  expect(runs.every((r) => r._count._all === 1)).toBe(true);
  // Every stored run is complete.
  const counts = await db.prisma.attributionRun.findMany({ where: { modelId: model.id }, select: { _count: { select: { scores: true, layerScores: true } } } });
  expect(new Set(counts.map((c) => c._count.layerScores))).toEqual(new Set([counts[0]?._count.layerScores]));
  expect(counts.every((c) => c._count.scores > 0)).toBe(true);
  const job = await server.graphql(`{ job(id: "${toGlobalId('Job', jobId)}") { status progress attempts result } }`);
  expect(JSON.parse(job.body.data.job.result).runs).toHaveLength(30);
}, 240_000);

it('a worker on another host that stops beating: its job is left alone while it beats, retried once it goes silent', async () => {
  const model = await db.prisma.model.findUniqueOrThrow({ where: { name: 'tiny' } });
  const prompts = await Promise.all([0, 1, 2].map((i) => db.prisma.prompt.create({ data: { modelId: model.id, tokenIds: [40 + i, 41, 42], tokens: [] } })));
  const res = await server.graphql('mutation($i: BatchAttributionInput!) { attributeBatch(input: $i) { id } }',
    { i: { model: toGlobalId('Model', model.id), promptIds: prompts.map((p) => toGlobalId('Prompt', p.id)) } }, admin);
  expect(res.body.errors).toBeUndefined();
  const jobId = fromGlobalId(res.body.data.attributeBatch.id, 'Job');
  // The remote worker: the real queue library takes the job (pg-boss marks it active), then the
  // machine vanishes. Its Worker row and the Job row are what a worker there would have written.
  const remote = new PgBoss({ connectionString: db.url, max: 1, supervise: false, schedule: false });
  await remote.start();
  try {
    const [taken] = await remote.fetch<{ jobId: number }>('attribute-batch', { batchSize: 1 });
    expect(taken?.data.jobId).toBe(jobId);
  } finally {
    await remote.stop({ graceful: false, wait: true });
  }
  await db.prisma.$executeRaw`INSERT INTO "Worker" ("id", "host", "pid", "heartbeatAt") VALUES ('remote', 'another-host', 1, now() AT TIME ZONE 'UTC')`;
  await db.prisma.job.update({ where: { id: jobId }, data: { status: 'RUNNING', workerId: 'remote', attempts: 1, startedAt: new Date() } });
  await withWorker(async () => {
    // While the remote worker beats (pid 1 exists here too: only the heartbeat counts for another host).
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await db.prisma.$executeRaw`UPDATE "Worker" SET "heartbeatAt" = now() AT TIME ZONE 'UTC' WHERE "id" = 'remote'`;
    }
    expect(await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: 'RUNNING', workerId: 'remote', attempts: 1 });
    expect((await server.graphql('{ health { workers } }')).body.data.health.workers).toBe(2);
    // Silent for longer than STALE_BEATS heartbeats.
    await db.prisma.$executeRaw`UPDATE "Worker" SET "heartbeatAt" = (now() AT TIME ZONE 'UTC') - interval '1 minute' WHERE "id" = 'remote'`;
    const done = await waitFor('the job to finish on the local worker', async () => {
      const j = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
      return j.status === 'SUCCEEDED' || j.status === 'FAILED' ? j : null;
    }, 60_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 2, workerId: null });
    expect(await db.prisma.worker.count({ where: { id: 'remote' } })).toBe(0);
    expect((await server.graphql('{ health { workers } }')).body.data.health.workers).toBe(1);
    expect(await db.prisma.attributionRun.count({ where: { promptId: { in: prompts.map((p) => p.id) } } })).toBe(3);
  });
  // SIGTERM deregistered the local worker.
  expect(await db.prisma.worker.count()).toBe(0);
  expect((await server.graphql('{ health { workers } }')).body.data.health.workers).toBe(0);
}, 120_000);

it('a dead worker\'s job with no retry left ends FAILED, and so does the run a request was waiting for', async () => {
  const model = await db.prisma.model.findUniqueOrThrow({ where: { name: 'tiny' } });
  const prompt = await db.prisma.prompt.create({ data: { modelId: model.id, tokenIds: [50, 51, 52], tokens: [] } });
  const pending = await db.prisma.attributionRun.create({
    data: { modelId: model.id, promptId: prompt.id, targetTokenId: -1, method: 'LOG_PROB_INCREASE', engineVersion: ATTRIBUTION_ENGINE_VERSION, status: 'PENDING' },
  });
  // Queued with no retry (retryLimit 0) and taken by a worker on another host that then vanishes.
  const remote = new PgBoss({ connectionString: db.url, max: 1, supervise: false, schedule: false });
  await remote.start();
  const job = await db.prisma.job.create({ data: { kind: 'attribute-batch', payload: {} } });
  let bossId: string | null | undefined;
  try {
    bossId = await remote.send('attribute-batch', { jobId: job.id }, { retryLimit: 0 });
    const [taken] = await remote.fetch<{ jobId: number }>('attribute-batch', { batchSize: 1 });
    expect(taken?.id).toBe(bossId);
  } finally {
    await remote.stop({ graceful: false, wait: true });
  }
  await db.prisma.job.update({
    where: { id: job.id },
    data: { status: 'RUNNING', workerId: 'vanished', attempts: 1, payload: { modelId: model.id, promptIds: [prompt.id], method: 'LOG_PROB_INCREASE', pendingRunId: pending.id, bossId } },
  });
  await db.prisma.$executeRaw`INSERT INTO "Worker" ("id", "host", "pid", "heartbeatAt") VALUES ('vanished', 'another-host', 1, (now() AT TIME ZONE 'UTC') - interval '1 minute')`;
  await withWorker(async () => {
    const failed = await waitFor('the job to be failed', async () => {
      const j = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
      return j.status === 'FAILED' ? j : null;
    }, 60_000);
    expect(failed).toMatchObject({ attempts: 1, workerId: null, error: expect.stringMatching(/another-host:1 sent no heartbeat/) });
    expect(await db.prisma.attributionRun.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/no heartbeat/) });
    const [state] = await db.prisma.$queryRaw<{ state: string }[]>`SELECT state::text AS state FROM pgboss.job WHERE id = ${bossId}::uuid`;
    expect(state?.state).toBe('failed');
    // Not run again: still one attempt, no run stored for the prompt.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).attempts).toBe(1);
    expect(await db.prisma.attributionRun.count({ where: { promptId: prompt.id, status: 'SUCCEEDED' } })).toBe(0);
  });
}, 120_000);

it('a job whose handler fails is retried up to the retry limit, then FAILED with the error', async () => {
  const model = await db.prisma.model.findUniqueOrThrow({ where: { name: 'tiny' } });
  const prompt = await db.prisma.prompt.create({ data: { modelId: model.id, tokenIds: [60, 61], tokens: [] } });
  const res = await server.graphql('mutation($i: BatchAttributionInput!) { attributeBatch(input: $i) { id } }',
    { i: { model: toGlobalId('Model', model.id), promptIds: [toGlobalId('Prompt', prompt.id)] } }, admin);
  expect(res.body.errors).toBeUndefined();
  const jobId = fromGlobalId(res.body.data.attributeBatch.id, 'Job');
  await db.prisma.prompt.delete({ where: { id: prompt.id } }); // every attempt now fails
  await withWorker(async () => {
    const failed = await waitFor('the job to fail for good', async () => {
      const j = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
      return j.status === 'FAILED' ? j : null;
    }, 90_000);
    // retryLimit 3: the first attempt and three retries.
    expect(failed).toMatchObject({ attempts: 4, workerId: null, error: expect.stringMatching(/No record was found|not found/i) });
    const bossId = (failed.payload as { bossId: string }).bossId;
    const [state] = await db.prisma.$queryRaw<{ state: string; retry_count: number }[]>`SELECT state::text AS state, retry_count FROM pgboss.job WHERE id = ${bossId}::uuid`;
    expect(state).toEqual({ state: 'failed', retry_count: 3 });
  });
}, 120_000);

const CANCEL = 'mutation($id: ID!) { cancelJob(id: $id) { id status finishedAt } }';

async function queueBatch(promptIds: number[]): Promise<number> {
  const model = await db.prisma.model.findUniqueOrThrow({ where: { name: 'tiny' } });
  const res = await server.graphql('mutation($i: BatchAttributionInput!) { attributeBatch(input: $i) { id } }',
    { i: { model: toGlobalId('Model', model.id), promptIds: promptIds.map((id) => toGlobalId('Prompt', id)) } }, admin);
  expect(res.body.errors).toBeUndefined();
  return fromGlobalId(res.body.data.attributeBatch.id, 'Job');
}

async function newPrompts(n: number, seed: number): Promise<number[]> {
  const model = await db.prisma.model.findUniqueOrThrow({ where: { name: 'tiny' } });
  const rows = await Promise.all(Array.from({ length: n }, (_, i) => db.prisma.prompt.create({
    data: { modelId: model.id, tokenIds: [(seed + i) % 97, (seed * 7 + i * 3) % 97, 11, (i * 13) % 97], tokens: [] },
  })));
  return rows.map((r) => r.id);
}

it('a queued job cancelled: never run, CONFLICT when cancelled again, keys and roles enforced', async () => {
  const prompts = await newPrompts(3, 70);
  const jobId = await queueBatch(prompts);
  const id = toGlobalId('Job', jobId);
  const reader = { authorization: `Bearer ${(await createApiKey(db.prisma, 'reader', 'READER')).key}` };
  expect((await server.graphql(CANCEL, { id })).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect((await server.graphql(CANCEL, { id }, reader)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const res = await server.graphql(CANCEL, { id }, admin);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.cancelJob).toMatchObject({ id, status: 'CANCELLED', finishedAt: expect.any(String) });
  const { bossId } = (await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } })).payload as { bossId: string };
  const [state] = await db.prisma.$queryRaw<{ state: string }[]>`SELECT state::text AS state FROM pgboss.job WHERE id = ${bossId}::uuid`;
  expect(state?.state).toBe('cancelled');
  await withWorker(async () => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
  });
  expect(await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: 'CANCELLED', attempts: 0 });
  expect(await db.prisma.attributionRun.count({ where: { promptId: { in: prompts } } })).toBe(0);
  const again = await server.graphql(CANCEL, { id }, admin);
  expect(again.body.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT', status: 'CANCELLED' }, message: expect.stringMatching(/already ended: CANCELLED/) });
  expect((await server.graphql(CANCEL, { id: toGlobalId('Job', 999_999) }, admin)).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
}, 60_000);

it('a running batch cancelled stops at its next prompt; its finished runs stay whole; the worker goes on', async () => {
  const prompts = await newPrompts(40, 80);
  const jobId = await queueBatch(prompts);
  await withWorker(async () => {
    await waitFor('the batch to make progress', async () => {
      const j = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
      return j.progress > 0.05 ? j : null;
    }, 60_000);
    const res = await server.graphql(CANCEL, { id: toGlobalId('Job', jobId) }, admin);
    expect(res.body.data.cancelJob.status).toBe('CANCELLED');
    // The next job runs on the same worker, so the cancelled one has let go of it.
    const next = await newPrompts(2, 90);
    const nextJob = await queueBatch(next);
    await waitFor('the next job', async () => {
      const j = await db.prisma.job.findUniqueOrThrow({ where: { id: nextJob } });
      return j.status === 'SUCCEEDED' ? j : null;
    }, 60_000);
  });
  const job = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
  expect(job).toMatchObject({ status: 'CANCELLED', attempts: 1 });
  const stored = await db.prisma.attributionRun.findMany({ where: { promptId: { in: prompts } }, select: { status: true, _count: { select: { scores: true, layerScores: true } } } });
  process.stdout.write(`cancelled at progress ${job.progress.toFixed(2)}: ${stored.length} of ${prompts.length} runs stored\n`);
  expect(stored.length).toBeGreaterThan(0);
  expect(stored.length).toBeLessThan(prompts.length);
  expect(stored.every((r) => r.status === 'SUCCEEDED' && r._count.scores > 0 && r._count.layerScores > 0)).toBe(true);
}, 120_000);

it('a worker stopped (SIGTERM) during a job\'s last attempt: the job ends FAILED, as pg-boss has it, not QUEUED', async () => {
  const prompts = await newPrompts(300, 100);
  const model = await db.prisma.model.findUniqueOrThrow({ where: { name: 'tiny' } });
  // Queued with no retry through the real queue library, for the local worker to take.
  const remote = new PgBoss({ connectionString: db.url, max: 1, supervise: false, schedule: false });
  await remote.start();
  const job = await db.prisma.job.create({ data: { kind: 'attribute-batch', payload: {} } });
  try {
    const bossId = await remote.send('attribute-batch', { jobId: job.id }, { retryLimit: 0 });
    await db.prisma.job.update({ where: { id: job.id }, data: { payload: { modelId: model.id, promptIds: prompts, method: 'LOG_PROB_INCREASE', bossId } } });
  } finally {
    await remote.stop({ graceful: false, wait: true });
  }
  const worker = startWorker();
  await waitFor('the worker to start the batch', async () => {
    const j = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    return j.progress > 0.01 ? j : null;
  }, 60_000);
  worker.kill('SIGTERM'); // pg-boss waits 5 s for the handler, then fails the job: its last attempt
  await new Promise((resolve) => worker.once('exit', resolve));
  const after = await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
  expect(after).toMatchObject({ status: 'FAILED', workerId: null, attempts: 1, error: 'its worker stopped during its last attempt' });
  expect(after.progress).toBeLessThan(1);
  const [state] = await db.prisma.$queryRaw<{ state: string }[]>`SELECT state::text AS state FROM pgboss.job WHERE id = ${(after.payload as { bossId: string }).bossId}::uuid`;
  expect(state?.state).toBe('failed');
  expect(await db.prisma.worker.count()).toBe(0);
}, 120_000);

it('attribution on a model not loaded returns a PENDING run with a job; the worker completes it, then the cache answers', async () => {
  const model = await db.prisma.model.findUniqueOrThrow({ where: { name: 'tiny' } });
  const prompt = await db.prisma.prompt.create({ data: { modelId: model.id, tokenIds: [5, 6, 7], tokens: [] } });
  const fresh = new EngineService({ memoryBytes: 64 * 1024 * 1024 });
  const cold = await startTestServer(db.prisma, { engine: fresh, jobs });
  const worker = startWorker();
  try {
    const q = `query($p: ID!) { attribution(promptId: $p) { id status target { tokenId rank } job { id status } } }`;
    const first = await cold.graphql(q, { p: toGlobalId('Prompt', prompt.id) });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.attribution).toMatchObject({ status: 'PENDING', target: null });
    const again = await cold.graphql(q, { p: toGlobalId('Prompt', prompt.id) });
    expect(again.body.data.attribution.job.id).toBe(first.body.data.attribution.job.id);
    const jobId = fromGlobalId(first.body.data.attribution.job.id, 'Job');
    await waitFor('the attribution job', async () => {
      const j = await db.prisma.job.findUniqueOrThrow({ where: { id: jobId } });
      return j.status === 'SUCCEEDED' ? j : null;
    }, 60_000);
    const done = await cold.graphql(q, { p: toGlobalId('Prompt', prompt.id) });
    expect(done.body.data.attribution).toMatchObject({ status: 'SUCCEEDED', target: { rank: 1 } });
    expect(fresh.loads).toBe(0);
    const viaJob = await cold.graphql(`{ job(id: "${toGlobalId('Job', jobId)}") { run { id status } } }`);
    expect(viaJob.body.data.job.run).toEqual({ id: done.body.data.attribution.id, status: 'SUCCEEDED' });
    expect(await db.prisma.attributionRun.count({ where: { promptId: prompt.id } })).toBe(1);
  } finally {
    worker.kill('SIGTERM');
    await cold.stop();
    await fresh.close();
  }
}, 120_000);
