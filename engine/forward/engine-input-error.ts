// Bad caller input to the engine (token ids, masks, hook names): a typed error with the bad value.

export class EngineInputError extends Error {
  override readonly name = 'EngineInputError';
  readonly code = 'BAD_INPUT';
}
