// registerModel: a checkpoint folder inside the configured model roots, validated by loading it,
// stored with its ModelConfig, architecture and a SHA-256 over its weight files.
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { CheckpointError, type ModelConfig } from '../engine/index.js';
import type { PrismaClient } from './database/prisma.js';
import type { EngineService } from './engine-service.js';
import { apiError, badInput, ErrorCode } from './errors.js';
import type { Model } from './generated/prisma/client.js';

/** Largest model name accepted. */
const MODEL_NAME_MAX = 64;

/**
 * The real absolute folder of `requested` when it lies inside one of `roots` (after resolving
 * symlinks and `..`), else BAD_USER_INPUT. Relative paths resolve against the first root.
 */
function resolveModelPath(requested: string, roots: readonly string[]): string {
  if (roots.length === 0) throw badInput('path', 'no model roots are configured (ATLAS_MODEL_ROOTS)');
  if (requested.length === 0 || requested.length > 4096 || requested.includes('\0')) {
    throw badInput('path', 'path must be 1 to 4096 characters without NUL');
  }
  const candidate = path.resolve(roots[0] ?? '', requested);
  const realRoots = roots.flatMap((r) => {
    try {
      return [realpathSync(r)];
    } catch {
      return [];
    }
  });
  const inside = (p: string) => realRoots.some((root) => p === root || p.startsWith(root + path.sep));
  // Check the lexical path first: `../../etc` is rejected whether or not it exists.
  const lexicalRoots = roots.map((r) => path.resolve(r));
  if (!lexicalRoots.some((root) => candidate === root || candidate.startsWith(root + path.sep)) && !inside(candidate)) {
    throw badInput('path', `path must be inside a model root (${roots.join(', ')}): got ${JSON.stringify(requested)}`);
  }
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw badInput('path', `no such checkpoint folder: ${JSON.stringify(requested)}`);
  }
  if (!inside(real)) throw badInput('path', `path must be inside a model root (it links outside): got ${JSON.stringify(requested)}`);
  if (!statSync(real).isDirectory()) throw badInput('path', `path must be a checkpoint folder: got ${JSON.stringify(requested)}`);
  return real;
}

/** SHA-256 hex over the folder's *.safetensors files (name and bytes, in name order). */
export async function weightsChecksum(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    for await (const chunk of createReadStream(path.join(dir, file))) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/**
 * Validates the checkpoint by loading it through `engine`, then creates (or, for the same name
 * and folder, returns) the Model row. CheckpointError -> BAD_USER_INPUT; another model with the
 * name -> CONFLICT.
 */
export async function registerModel(prisma: PrismaClient, engine: EngineService, roots: readonly string[],
  requestedPath: string, name: string): Promise<{ model: Model; created: boolean }> {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > MODEL_NAME_MAX) throw badInput('name', `name must have 1 to ${MODEL_NAME_MAX} characters`);
  const dir = resolveModelPath(requestedPath, roots);
  let config: ModelConfig;
  try {
    config = await engine.withModel(dir, async (m) => m.config);
  } catch (error) {
    if (error instanceof CheckpointError) throw badInput('path', `not a loadable checkpoint: ${error.message}`);
    throw error;
  }
  const existing = await prisma.model.findUnique({ where: { name: trimmed } });
  if (existing !== null) {
    if (existing.sourcePath === dir) return { model: existing, created: false };
    throw apiError(ErrorCode.CONFLICT, `a model named ${JSON.stringify(trimmed)} is already registered from ${existing.sourcePath}`);
  }
  const model = await prisma.model.create({
    data: {
      name: trimmed,
      architecture: config.architecture === 'llama' ? 'LLAMA' : 'GPT2',
      sourcePath: dir,
      config: JSON.parse(JSON.stringify(config)) as object,
      weightsChecksum: await weightsChecksum(dir),
    },
  });
  return { model, created: true };
}
