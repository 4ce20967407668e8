// Turns the fact lists into token-level plans: subjects (identified by their last token), relation
// codes (written by keyword tokens), facts and prompts with the positions the mechanism uses.
// Everything the mechanism relies on is checked here against the real tokenizer.
import { RELATIONS, type KnowledgeType, type RelationSpec, type SubjectGroup } from './facts.js';

/** Minimal tokenizer surface (engine's TextTokenizer satisfies it). */
export interface Encoder {
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
}

export interface PlannedSubject {
  readonly index: number;
  readonly text: string;
  readonly group: SubjectGroup;
  /** The subject's last token; the query neuron that detects it writes the subject's identity. */
  readonly tokenId: number;
}

export interface PlannedFact {
  readonly index: number;
  /** Stable id, e.g. `capital/France`. */
  readonly factId: string;
  readonly relationId: string;
  readonly type: KnowledgeType;
  readonly code: number;
  readonly subject: number;
  readonly answer: string;
  readonly answerId: number;
}

export interface PlannedPrompt {
  readonly index: number;
  readonly fact: number;
  readonly templateId: string;
  readonly text: string;
  readonly ids: readonly number[];
  /** Position of the subject's last token. */
  readonly subjectPos: number;
  readonly keywordPos: number;
}

export interface FactPlan {
  readonly subjects: readonly PlannedSubject[];
  /** Relation codes in first-use order (e.g. `language`, ..., `next`, ...). */
  readonly codes: readonly string[];
  /** keyword token id -> code index. */
  readonly keywords: ReadonlyMap<number, number>;
  readonly facts: readonly PlannedFact[];
  readonly prompts: readonly PlannedPrompt[];
}

export class FactPlanError extends Error {
  override readonly name = 'FactPlanError';
}

/** Plans `relations` (default: facts.ts); throws FactPlanError when a token assumption does not hold. */
export function planFacts(tokenizer: Encoder, relations: readonly RelationSpec[] = RELATIONS): FactPlan {
  const enc = (text: string): number[] => tokenizer.encode(text, { addSpecialTokens: false });
  const single = (text: string, what: string): number => {
    const ids = enc(text);
    if (ids.length !== 1) throw new FactPlanError(`${what} ${JSON.stringify(text)} must be one token: got ${ids.length}`);
    return ids[0];
  };

  const codes: string[] = [];
  const keywords = new Map<number, number>();
  const subjects: PlannedSubject[] = [];
  const subjectByText = new Map<string, PlannedSubject>();
  const subjectByToken = new Map<number, PlannedSubject>();
  const facts: PlannedFact[] = [];

  for (const rel of relations) {
    if (!codes.includes(rel.code)) codes.push(rel.code);
    const code = codes.indexOf(rel.code);
    for (const kw of rel.keywords) {
      const id = single(kw, 'keyword');
      if (keywords.has(id) && keywords.get(id) !== code) throw new FactPlanError(`keyword ${JSON.stringify(kw)} has two codes`);
      keywords.set(id, code);
    }
    for (const [subjectText, answer] of rel.facts) {
      let subject = subjectByText.get(subjectText);
      if (!subject) {
        const ids = enc(` ${subjectText}`);
        const tokenId = ids[ids.length - 1];
        if (subjectByToken.has(tokenId)) {
          throw new FactPlanError(`subjects ${JSON.stringify(subjectText)} and ${JSON.stringify(subjectByToken.get(tokenId)!.text)} end in the same token`);
        }
        subject = { index: subjects.length, text: subjectText, group: rel.group, tokenId };
        subjects.push(subject);
        subjectByText.set(subjectText, subject);
        subjectByToken.set(tokenId, subject);
      } else if (subject.group !== rel.group) {
        throw new FactPlanError(`subject ${JSON.stringify(subjectText)} is in groups ${subject.group} and ${rel.group}`);
      }
      facts.push({
        index: facts.length,
        factId: `${rel.id}/${subjectText}`,
        relationId: rel.id,
        type: rel.type,
        code,
        subject: subject.index,
        answer,
        answerId: single(answer, 'answer'),
      });
    }
  }
  for (const id of keywords.keys()) {
    if (subjectByToken.has(id)) throw new FactPlanError(`token ${id} is both a keyword and a subject`);
  }

  const prompts: PlannedPrompt[] = [];
  for (const fact of facts) {
    const rel = relations.find((r) => r.id === fact.relationId)!; // facts were built from `relations`
    const subject = subjects[fact.subject];
    rel.templates.forEach((template, t) => {
      const text = template.replace('{s}', subject.text);
      const ids = enc(text);
      const subjectAt = ids.flatMap((id, i) => (subjectByToken.has(id) ? [i] : []));
      const keywordAt = ids.flatMap((id, i) => (keywords.has(id) ? [i] : []));
      if (subjectAt.length !== 1 || ids[subjectAt[0]] !== subject.tokenId) {
        throw new FactPlanError(`prompt ${JSON.stringify(text)}: expected exactly one subject token (${subject.text}), found ${subjectAt.length}`);
      }
      if (keywordAt.length !== 1 || keywords.get(ids[keywordAt[0]]) !== fact.code) {
        throw new FactPlanError(`prompt ${JSON.stringify(text)}: expected exactly one keyword of ${rel.code}, found ${keywordAt.length}`);
      }
      prompts.push({
        index: prompts.length,
        fact: fact.index,
        templateId: `${rel.id}#${t}`,
        text,
        ids,
        subjectPos: subjectAt[0],
        keywordPos: keywordAt[0],
      });
    });
  }
  return { subjects, codes, keywords, facts, prompts };
}
