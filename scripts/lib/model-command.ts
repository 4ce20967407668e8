// The frame every model-loading CLI command shares: expected failures (bad usage, bad checkpoint,
// bad engine input) print `<command>: <code>: <message>` and exit 2; the model and its projection
// sessions are disposed whatever happens; anything unexpected is rethrown.
import { type LoadedModel } from '../../engine/index.js';

/** Thrown for bad command-line usage (exit code 2, usage line printed). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Errors a user can cause, by class name (engine errors carry a `code`). */
const EXPECTED = new Set(['UsageError', 'CheckpointError', 'EngineInputError', 'AttributionError', 'EvaluationError']);

/**
 * Runs `body` with a `hold` callback that registers the loaded model for disposal; returns the
 * exit code `body` returns, or 2 after printing an expected error to stderr.
 */
export async function runModelCommand(
  command: string,
  usage: string,
  body: (hold: (model: LoadedModel) => LoadedModel) => Promise<number>,
): Promise<number> {
  let held: LoadedModel | null = null;
  try {
    return await body((model) => (held = model));
  } catch (e) {
    const err = e as Error & { code?: unknown }; // non-Errors fail the checks below and are rethrown
    const parseArgsError = typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS');
    if (!(err instanceof Error) || !(EXPECTED.has(err.name) || parseArgsError)) throw e;
    const code = typeof err.code === 'string' ? `${err.code}: ` : '';
    process.stderr.write(`${command}: ${code}${err.message}\n${err.name === 'UsageError' ? `${usage}\n` : ''}`);
    return 2;
  } finally {
    // `held` is assigned inside the callback, which TypeScript's flow analysis cannot see.
    const model = held as LoadedModel | null;
    if (model) {
      await model.dispose();
    }
  }
}
