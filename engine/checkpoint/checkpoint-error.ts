// The one error type of checkpoint loading: a code to branch on, plus the file and tensor at fault.

export type CheckpointErrorCode =
  | 'MISSING_FILE'
  | 'BAD_CONFIG'
  | 'UNSUPPORTED_ARCHITECTURE'
  | 'BAD_HEADER'
  | 'TRUNCATED'
  | 'OVERLAP'
  | 'UNSUPPORTED_DTYPE'
  | 'BAD_INDEX'
  | 'MISSING_TENSOR'
  | 'SHAPE_MISMATCH'
  | 'BAD_TOKENIZER';

/** Thrown for any unreadable or inconsistent checkpoint; `message` names file, tensor and sizes. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';

  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
    readonly file?: string,
    readonly tensor?: string,
  ) {
    super(message);
  }
}

/** The message of any thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A plain JSON object (not null, not an array). */
export function isJsonObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `[a, b, c]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
