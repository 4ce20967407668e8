// The `evaluate` job: the paper's ablation comparison (method.md section 6, engine/evaluation) over
// a model's stored prompts, its report stored as the Job's result so it can be read back later
// (`job(id) { result }`) instead of only printed by `npm run atlas -- evaluate`.
import { evaluateSentences, filterDataset, firstPerType, parseMethod, type EvaluationRecord } from '../engine/index.js';
import type { PrismaClient } from './database/prisma.js';
import type { EngineService } from './engine-service.js';

export interface EvaluatePayload {
  readonly modelId: number;
  /** Only prompts of this type (null: every type). */
  readonly knowledgeType: string | null;
  /** Sentences evaluated per knowledge type after the filter. */
  readonly perType: number;
  readonly k: number;
  /** Method letters or names (engine parseMethod); null: all eight. */
  readonly methods: readonly string[] | null;
  readonly valueAttention: number;
  readonly valueFfn: number;
  readonly queryNeurons: number;
  readonly seed: number;
}

/** Runs the evaluation; result: { filter, evaluated, settings, conditions } as the CLI's --json. */
export async function runEvaluation(prisma: PrismaClient, engine: EngineService, payload: EvaluatePayload,
  progress: (fraction: number) => Promise<void>): Promise<Record<string, unknown>> {
  const model = await prisma.model.findUniqueOrThrow({ where: { id: payload.modelId } });
  const prompts = await prisma.prompt.findMany({
    where: { modelId: model.id, expectedAnswer: { not: null }, knowledgeType: payload.knowledgeType === null ? { isNot: null } : { name: payload.knowledgeType } },
    include: { knowledgeType: true }, orderBy: { id: 'asc' },
  });
  const records: EvaluationRecord[] = prompts.map((p) => ({
    // The where clause above keeps only prompts with a type and an expected answer.
    id: String(p.id), knowledgeType: p.knowledgeType?.name ?? '', tokenIds: p.tokenIds, answer: p.expectedAnswer ?? '',
  }));
  return engine.withModel(model.sourcePath, async (m) => {
    const { kept, report: filter } = await filterDataset(m, records, {}, (done, total) => void progress(0.2 * done / total));
    const chosen = firstPerType(kept, payload.perType);
    const report = await evaluateSentences(m, chosen, {
      k: payload.k, methods: payload.methods?.map((x) => parseMethod(x)), valueAttention: payload.valueAttention,
      valueFfn: payload.valueFfn, queryNeurons: payload.queryNeurons, seed: payload.seed, mapTop: 0,
    }, (done, total) => void progress(0.2 + 0.8 * done / total));
    return { filter, evaluated: chosen.length, settings: report.settings, conditions: report.conditions };
  });
}
