// The paper's experiments over datasets (method.md sections 6-7): the dataset filter, the ablation
// comparison of methods with random controls, and knowledge maps per type.
export { EvaluationError, type EvaluationErrorCode } from './evaluation-error.js';
export { parseDataset, parseRecord, readDataset, type EvaluationRecord } from './dataset.js';
export { filterDataset, firstPerType, type DropReason, type FilterOptions, type FilterReport, type PreparedSentence } from './filter.js';
export { ablationMetrics, meanMetrics, type AblationMetrics, type MetricValues } from './metrics.js';
export {
  evaluateSentences, type ConditionKind, type ConditionResult, type EvaluateOptions, type EvaluationReport, type SentenceResult,
} from './evaluate.js';
export { compactAttribution, type SentenceAttribution } from './sentence-attribution.js';
export { hashSeed, randomNeurons, sampleDistinct, uniformStream, type RandomNeurons } from './seeded.js';
export {
  knowledgeMap, knowledgeMaps, mergedValueNeurons, sharedHeads, type KnowledgeMap, type MapLayer, type MapOptions, type SharedHead, type SharedNeuron,
} from './knowledge-map.js';
export { attributeSentences } from './attribute-sentences.js';
