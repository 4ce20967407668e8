// Prompts bound to a model: text tokenized with the model's tokenizer (or token ids checked against
// its vocabulary), length within its context; and bulk import of JSONL lines in one transaction.
import type { ModelConfig } from '../engine/index.js';
import type { PrismaClient } from './database/prisma.js';
import type { EngineService } from './engine-service.js';
import { badInput } from './errors.js';
import type { Model } from './generated/prisma/client.js';
import { storableText } from './projections.js';

/** Most lines one importPrompts call accepts. */
const IMPORT_BATCH_LIMIT = 5000;

/** One prompt to store (one JSONL line: `prompt` or `text`, `answer` or `expectedAnswer`, `knowledgeType`, `tokenIds`). */
export interface PromptRecord {
  readonly text: string | null;
  readonly tokenIds: readonly number[] | null;
  readonly expectedAnswer: string | null;
  readonly knowledgeType: string | null;
}

/** Token ids and their pieces, ready to store. */
export interface PreparedTokens {
  readonly tokenIds: number[];
  readonly tokens: string[];
}

/** The stored ModelConfig of a Model row (written by registerModel). */
export function modelConfigOf(model: Model): ModelConfig {
  return model.config as unknown as ModelConfig;
}

/**
 * Token ids (tokenized from `text` when `tokenIds` is null) and their pieces for `model`.
 * BAD_USER_INPUT naming `argumentName` when an id is outside the vocabulary, the model has no
 * tokenizer for a text, or the prompt does not fit the model's context.
 */
export function prepareTokens(engine: EngineService, model: Model, text: string | null, tokenIds: readonly number[] | null,
  argumentName: string): PreparedTokens {
  const config = modelConfigOf(model);
  const tokenizer = engine.tokenizer(model.sourcePath);
  let ids: number[];
  if (tokenIds !== null) {
    ids = [...tokenIds];
    const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= config.dVocab);
    if (bad >= 0) throw badInput(`${argumentName}.tokenIds`, `${argumentName}.tokenIds[${bad}] must be in [0, ${config.dVocab}) for model ${model.name}: got ${ids[bad]}`);
  } else {
    if (text === null) throw badInput(argumentName, `${argumentName} needs text or tokenIds`);
    if (tokenizer === null) throw badInput(`${argumentName}.text`, `model ${model.name} has no tokenizer.json: give tokenIds`);
    ids = tokenizer.encode(text);
  }
  if (ids.length < 1 || ids.length > config.nCtx) {
    throw badInput(argumentName, `${argumentName} must have 1 to ${config.nCtx} tokens (model ${model.name}'s context): got ${ids.length}`);
  }
  return { tokenIds: ids, tokens: tokenizer === null ? [] : ids.map((id) => storableText(tokenizer.tokenText(id))) };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Parses JSONL text into records; BAD_USER_INPUT naming the first bad line. Blank lines are skipped. */
export function parsePromptJsonl(jsonl: string): PromptRecord[] {
  const records: PromptRecord[] = [];
  const lines = jsonl.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? '';
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw badInput('jsonl', `line ${i + 1} is not valid JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput('jsonl', `line ${i + 1} must be a JSON object`);
    const o = value as Record<string, unknown>;
    const text = str(o.prompt) ?? str(o.text);
    const ids = Array.isArray(o.tokenIds) ? o.tokenIds : null;
    if (ids !== null && !ids.every((x) => Number.isInteger(x))) throw badInput('jsonl', `line ${i + 1}: tokenIds must be integers`);
    if (text === null && ids === null) throw badInput('jsonl', `line ${i + 1} needs "prompt" (or "text") or "tokenIds"`);
    records.push({ text, tokenIds: ids as number[] | null, expectedAnswer: str(o.answer) ?? str(o.expectedAnswer), knowledgeType: str(o.knowledgeType) });
    if (records.length > IMPORT_BATCH_LIMIT) throw badInput('jsonl', `at most ${IMPORT_BATCH_LIMIT} prompts per import`);
  }
  if (records.length === 0) throw badInput('jsonl', 'no prompts in the input');
  return records;
}

/** What an import did. */
export interface ImportSummary {
  readonly created: number;
  /** Lines whose (model, text, token ids) were already stored. */
  readonly skipped: number;
}

/**
 * Stores `records` for `model` in one transaction (all or nothing): knowledge types created by
 * name, tokens prepared as prepareTokens does; prompts already stored for the model with the same
 * text and token ids are skipped, so importing a file twice adds nothing.
 */
export async function importPrompts(prisma: PrismaClient, engine: EngineService, model: Model,
  records: readonly PromptRecord[]): Promise<ImportSummary> {
  if (records.length > IMPORT_BATCH_LIMIT) throw badInput('jsonl', `at most ${IMPORT_BATCH_LIMIT} prompts per import: got ${records.length}`);
  const prepared = records.map((r, i) => ({ ...r, ...prepareTokens(engine, model, r.text, r.tokenIds, `line ${i + 1}`) }));
  return prisma.$transaction(async (tx) => {
    const typeNames = [...new Set(prepared.flatMap((r) => (r.knowledgeType === null ? [] : [r.knowledgeType])))];
    const typeIds = new Map<string, number>();
    for (const name of typeNames) typeIds.set(name, (await tx.knowledgeType.upsert({ where: { name }, create: { name }, update: {} })).id);
    const existing = await tx.prompt.findMany({ where: { modelId: model.id }, select: { text: true, tokenIds: true } });
    const seen = new Set(existing.map((p) => `${p.text ?? ''}\0${p.tokenIds.join(',')}`));
    const rows = [];
    for (const r of prepared) {
      const key = `${r.text ?? ''}\0${r.tokenIds.join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push({
        text: r.text, tokenIds: r.tokenIds, tokens: r.tokens, expectedAnswer: r.expectedAnswer, modelId: model.id,
        knowledgeTypeId: r.knowledgeType === null ? null : typeIds.get(r.knowledgeType) ?? null,
      });
    }
    if (rows.length > 0) await tx.prompt.createMany({ data: rows });
    return { created: rows.length, skipped: prepared.length - rows.length };
  }, { timeout: 60_000 });
}

