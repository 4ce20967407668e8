// The dataset and ground truth written beside the knowledge model (fields: README.md).
import { KNOWLEDGE_TYPES, type KnowledgeType } from './facts.js';
import type { HeadRef, Mechanism, NeuronRef } from './mechanism.js';
import type { FactPlan } from './plan.js';

export interface AttentionNeuronRef { readonly layer: number; readonly head: number; readonly dim: number; readonly position: number }

/** One line of dataset.jsonl. */
export interface KnowledgeRecord {
  readonly id: string;
  readonly prompt: string;
  readonly answer: string;
  readonly answerTokenId: number;
  readonly knowledgeType: KnowledgeType;
  readonly relation: string;
  readonly factId: string;
  readonly templateId: string;
  readonly subject: string;
  readonly tokenIds: readonly number[];
  readonly subjectPosition: number;
  readonly keywordPosition: number;
  readonly groundTruth: {
    readonly valueNeurons: readonly NeuronRef[];
    readonly heads: readonly HeadRef[];
    readonly attentionNeurons: readonly AttentionNeuronRef[];
    readonly queryNeurons: readonly NeuronRef[];
    readonly relationHead: HeadRef;
    readonly relationQueryNeuron: NeuronRef;
    readonly suppressorNeurons: readonly NeuronRef[];
  };
}

/** Records for every planned prompt, in plan order. */
export function buildDataset(plan: FactPlan, mech: Mechanism): KnowledgeRecord[] {
  return plan.prompts.map((p) => {
    const fact = plan.facts[p.fact];
    const truth = mech.facts[p.fact];
    const keyword = mech.keywordNeurons.get(p.ids[p.keywordPos]);
    if (!keyword) throw new Error(`prompt ${p.text}: keyword token has no neuron`);
    return {
      id: `${fact.factId}#${p.templateId.split('#')[1]}`,
      prompt: p.text,
      answer: fact.answer,
      answerTokenId: fact.answerId,
      knowledgeType: fact.type,
      relation: fact.relationId,
      factId: fact.factId,
      templateId: p.templateId,
      subject: plan.subjects[fact.subject].text,
      tokenIds: p.ids,
      subjectPosition: p.subjectPos,
      keywordPosition: p.keywordPos,
      groundTruth: {
        valueNeurons: [truth.valueNeuron],
        heads: [truth.head],
        attentionNeurons: [{ ...truth.head, dim: truth.headDim, position: p.subjectPos }],
        queryNeurons: [truth.queryNeuron],
        relationHead: mech.relationHead,
        relationQueryNeuron: keyword,
        suppressorNeurons: truth.suppressor ? [truth.suppressor] : [],
      },
    };
  });
}

/** Model-level facts about the mechanism (mechanism.json). */
export function describeMechanism(plan: FactPlan, mech: Mechanism): Record<string, unknown> {
  const headsOfType = Object.fromEntries(KNOWLEDGE_TYPES.map((type) => {
    const heads = new Map<string, HeadRef>();
    plan.facts.forEach((f, i) => {
      if (f.type !== type) return;
      const h = mech.facts[i].head;
      heads.set(`${h.layer}.${h.head}`, h);
    });
    return [type, [...heads.values()].sort((a, b) => a.layer - b.layer || a.head - b.head)];
  }));
  const valueLayersOfType = Object.fromEntries(KNOWLEDGE_TYPES.map((type) => [
    type, [...new Set(plan.facts.flatMap((f, i) => (f.type === type ? [mech.facts[i].valueNeuron.layer] : [])))],
  ]));
  return {
    relationHead: mech.relationHead,
    moverHeadsByGroup: mech.groupHeads,
    headsByKnowledgeType: headsOfType,
    valueLayersByKnowledgeType: valueLayersOfType,
    keywordNeurons: [...mech.keywordNeurons].map(([tokenId, ref]) => ({ tokenId, ...ref })),
    confounders: mech.confounders,
    minimumCalibrationMargin: Math.min(...mech.facts.map((f) => f.margin)),
  };
}
