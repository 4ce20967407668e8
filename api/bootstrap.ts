// First start: the knowledge model (scripts/knowledge-model) is generated into .cache/, registered
// and its dataset imported as prompts, so a new user can query attributions at once. Idempotent:
// later starts find the files, the model row and the prompts and add nothing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureKnowledgeModel } from '../scripts/knowledge-model/generate.js';
import type { PrismaClient } from './database/prisma.js';
import type { EngineService } from './engine-service.js';
import type { Model } from './generated/prisma/client.js';
import type { Logger } from './logger.js';
import { registerModel, weightsChecksum } from './model-registry.js';
import { importPrompts, parsePromptJsonl, type ImportSummary } from './prompt-import.js';

/** Name the knowledge model is registered under. */
const KNOWLEDGE_MODEL_NAME = 'knowledge-model';

/**
 * Ensures the knowledge model files under `cacheDir`, its Model row and its dataset's prompts.
 * Returns the model and what the import did.
 */
export async function bootstrapKnowledgeModel(prisma: PrismaClient, engine: EngineService, log: Logger,
  cacheDir?: string): Promise<{ model: Model; imported: ImportSummary }> {
  const t0 = Date.now();
  const files = await ensureKnowledgeModel(cacheDir);
  // A regenerated model (new generator version) is a new model: the old row keeps its runs under a
  // name with its checksum, so no cached run is served for weights it was not computed on.
  const existing = await prisma.model.findUnique({ where: { name: KNOWLEDGE_MODEL_NAME } });
  if (existing !== null && existing.weightsChecksum !== (await weightsChecksum(files.dir))) {
    const renamed = `${KNOWLEDGE_MODEL_NAME}@${existing.weightsChecksum.slice(0, 12)}`;
    await prisma.model.update({ where: { id: existing.id }, data: { name: renamed } });
    log.info(`knowledge model files changed: the previous model is kept as ${renamed}`);
  }
  const { model, created } = await registerModel(prisma, engine, [path.dirname(files.dir)], files.dir, KNOWLEDGE_MODEL_NAME);
  const imported = await importPrompts(prisma, engine, model, parsePromptJsonl(readFileSync(files.datasetPath, 'utf8')));
  if (created || imported.created > 0) {
    log.info(`knowledge model ready in ${Date.now() - t0} ms: ${files.dir} (${created ? 'registered' : 'already registered'}, ${imported.created} prompts imported)`);
  }
  return { model, imported };
}
