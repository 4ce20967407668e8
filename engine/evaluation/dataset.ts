// Evaluation datasets: JSON Lines, one sentence per line (the knowledge model's dataset.jsonl is one).
// Fields read: prompt or tokenIds; answer or answerTokenId; knowledgeType; id; optional candidates.
import { readFileSync } from 'node:fs';
import { EvaluationError } from './evaluation-error.js';

/** One sentence to evaluate. At least one of prompt/tokenIds and one of answer/answerTokenId is set. */
export interface EvaluationRecord {
  readonly id: string;
  readonly knowledgeType: string;
  readonly prompt?: string;
  readonly tokenIds?: readonly number[];
  readonly answer?: string;
  readonly answerTokenId?: number;
  /** Other answers of the sentence's type (strings or token ids) the answer must rank above to be kept. */
  readonly candidates?: readonly (string | number)[];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isIdList(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => Number.isInteger(v) && v >= 0);
}

/** Validates one parsed JSON line; throws EvaluationError BAD_DATASET naming `where`. */
export function parseRecord(json: unknown, where: string, fallbackId: string): EvaluationRecord {
  const bad = (why: string): never => {
    throw new EvaluationError('BAD_DATASET', `${where}: ${why}`);
  };
  if (!isObject(json)) return bad(`expected a JSON object: got ${JSON.stringify(json)?.slice(0, 80)}`);
  const { prompt, tokenIds, answer, answerTokenId, knowledgeType, id, candidates } = json;
  if (prompt !== undefined && typeof prompt !== 'string') bad(`prompt must be a string: got ${JSON.stringify(prompt)}`);
  if (tokenIds !== undefined && !isIdList(tokenIds)) bad('tokenIds must be an array of non-negative integers');
  if (prompt === undefined && tokenIds === undefined) bad('needs prompt or tokenIds');
  if (answer !== undefined && typeof answer !== 'string') bad(`answer must be a string: got ${JSON.stringify(answer)}`);
  if (answerTokenId !== undefined && !(Number.isInteger(answerTokenId) && (answerTokenId as number) >= 0)) {
    bad(`answerTokenId must be a non-negative integer: got ${JSON.stringify(answerTokenId)}`);
  }
  if (answer === undefined && answerTokenId === undefined) bad('needs answer or answerTokenId');
  if (knowledgeType !== undefined && typeof knowledgeType !== 'string') bad(`knowledgeType must be a string: got ${JSON.stringify(knowledgeType)}`);
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') bad(`id must be a string or number: got ${JSON.stringify(id)}`);
  if (candidates !== undefined && !(Array.isArray(candidates) && candidates.every((c) => typeof c === 'string' || (Number.isInteger(c) && c >= 0)))) {
    bad('candidates must be an array of strings or token ids');
  }
  // Each field's type was checked above.
  return {
    id: id === undefined ? fallbackId : String(id),
    knowledgeType: (knowledgeType as string | undefined) ?? 'unknown',
    ...(prompt !== undefined ? { prompt: prompt as string } : {}),
    ...(tokenIds !== undefined ? { tokenIds: tokenIds as number[] } : {}),
    ...(answer !== undefined ? { answer: answer as string } : {}),
    ...(answerTokenId !== undefined ? { answerTokenId: answerTokenId as number } : {}),
    ...(candidates !== undefined ? { candidates: candidates as (string | number)[] } : {}),
  };
}

/** Parses JSON Lines text (blank lines skipped); throws BAD_DATASET (with the line) or EMPTY_DATASET. */
export function parseDataset(text: string, name = 'dataset'): EvaluationRecord[] {
  const out: EvaluationRecord[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new EvaluationError('BAD_DATASET', `${name} line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    const rec = parseRecord(json, `${name} line ${i + 1}`, `line-${i + 1}`);
    if (ids.has(rec.id)) throw new EvaluationError('BAD_DATASET', `${name} line ${i + 1}: duplicate id ${JSON.stringify(rec.id)}`);
    ids.add(rec.id);
    out.push(rec);
  });
  if (out.length === 0) throw new EvaluationError('EMPTY_DATASET', `${name} has no sentences`);
  return out;
}

/** Reads a JSON Lines file; throws DATASET_NOT_FOUND, BAD_DATASET or EMPTY_DATASET. */
export function readDataset(path: string): EvaluationRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new EvaluationError('DATASET_NOT_FOUND', `cannot read dataset ${path}: ${(e as Error).message}`);
  }
  return parseDataset(text, path);
}
