// Typed errors for bad attribution input: callers (CLI, API) map `code` to their own error kinds.

export type AttributionErrorCode =
  | 'EMPTY_PROMPT'
  | 'PROMPT_TOO_LONG'
  | 'TOKEN_OUT_OF_VOCAB'
  | 'TARGET_NOT_IN_VOCAB'
  | 'TARGET_NOT_ONE_TOKEN'
  | 'K_OUT_OF_RANGE'
  | 'UNKNOWN_METHOD'
  | 'BAD_NEURON'
  | 'NO_TOKENIZER';

/** Thrown for invalid attribution input; the message names the bad value and the allowed range. */
export class AttributionError extends Error {
  override readonly name = 'AttributionError';
  constructor(readonly code: AttributionErrorCode, message: string) {
    super(message);
  }
}
