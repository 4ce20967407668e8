// The engine's single entry point for api/ and scripts/: checkpoint loading, the instrumented
// forward pass, tokenizers and the shared types. Internals are imported through here only.
export type * from './types.js';
export { CheckpointError, type CheckpointErrorCode } from './checkpoint/checkpoint-error.js';
export { loadCheckpoint, readModelConfig, type Checkpoint } from './checkpoint/load-checkpoint.js';
export { SUPPORTED_ARCHITECTURES } from './checkpoint/architectures.js';
export { SafetensorsFile, type TensorEntry } from './checkpoint/safetensors-reader.js';
export { loadModel, LoadedModel, readTokenizer, type LoadModelOptions } from './forward/loaded-model.js';
export { forward, type ForwardOptions } from './forward/forward.js';
export { MapForwardCache } from './forward/forward-cache.js';
export { EngineInputError } from './forward/engine-input-error.js';
export { allHookNames, layerHookNames } from './forward/forward-graph.js';
export { TextTokenizer, displayToken } from './tokenizer/text-tokenizer.js';
export * from './attribution/index.js';
export { logSoftmax, logSumExp } from './attribution/log-softmax.js';
export * from './evaluation/index.js';
