// Typed errors for bad evaluation input (datasets, options): callers map `code` to exit codes or API errors.

export type EvaluationErrorCode = 'DATASET_NOT_FOUND' | 'BAD_DATASET' | 'EMPTY_DATASET' | 'BAD_OPTION' | 'NO_TOKENIZER';

/** Thrown for invalid evaluation input; the message names the bad value (and the line of a dataset). */
export class EvaluationError extends Error {
  override readonly name = 'EvaluationError';
  constructor(readonly code: EvaluationErrorCode, message: string) {
    super(message);
  }
}
