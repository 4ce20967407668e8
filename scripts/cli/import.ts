// `npm run atlas -- import --model NAME --file F.jsonl [--json]`: imports prompts (one JSON object
// per line: "prompt" or "text", "answer", "knowledgeType", "tokenIds") for a registered model into
// the configured database, in one transaction; importing the same file again adds nothing.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../api/config.js';
import { EngineService } from '../../api/engine-service.js';
import { importPrompts, parsePromptJsonl } from '../../api/prompt-import.js';
import { openDatabase } from '../lib/open-database.js';

const USAGE = 'usage: import --model NAME --file PROMPTS.jsonl [--json]';

/** Runs the import; returns the exit code (2 bad usage, 1 unknown model or bad file). */
export async function main(argv: string[]): Promise<number> {
  let values: { model?: string; file?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { model: { type: 'string' }, file: { type: 'string' }, json: { type: 'boolean' } } }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (values.model === undefined || values.file === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(values.file, 'utf8');
  } catch (error) {
    process.stderr.write(`import: cannot read ${values.file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const db = await openDatabase(loadConfig());
  const engine = new EngineService({ memoryBytes: 0 });
  try {
    const model = await db.prisma.model.findUnique({ where: { name: values.model } });
    if (model === null) {
      process.stderr.write(`import: no model named ${JSON.stringify(values.model)} (register it first)\n`);
      return 1;
    }
    const summary = await importPrompts(db.prisma, engine, model, parsePromptJsonl(text));
    process.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : `imported ${summary.created} prompts (${summary.skipped} already stored)\n`);
    return 0;
  } catch (error) {
    // BAD_USER_INPUT from validation: print its message, not a stack.
    if (error instanceof Error && error.name === 'GraphQLError') {
      process.stderr.write(`import: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await engine.close();
    await db.close();
  }
}
