// The attribution API (Yu & Ananiadou 2024, method.md): value neurons, layer/head scores, query
// neurons, baselines, vocabulary projection and interventions.
export { AttributionError, type AttributionErrorCode } from './attribution-error.js';
export {
  attribute, attributeCache, rankFfnMethods, rankFfnNeurons, topPrediction,
  type AttributeOptions, type AttributionResult, type AttentionNeuronScore, type FfnNeuronScore,
} from './attribute.js';
export { METHODS, parseMethod, type MethodName } from './baselines.js';
export type { AttributionModel } from './context.js';
export { ablationMasks, intervene, targetStats, type InterventionResult, type TargetStats } from './intervention.js';
export { QUERY_GUARD } from './query-neurons.js';
export { checkTargetId, targetFromText } from './target.js';
export {
  bulkProject, bulkProjectLayer, projectNeuron, subvalue, type LayerProjection, type NeuronKind, type NeuronProjection, type NeuronRef,
} from './vocab-projection.js';
