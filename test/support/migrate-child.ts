// Runs scripts/migrate.ts in a child node process: the wasm schema engine cannot be imported
// inside jest's VM (it needs --experimental-wasm-modules).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `scripts/migrate.ts <command> <url>`'s stdout; rejects with its stderr on failure. */
export async function runMigrateScript(command: 'apply' | 'diff', url: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', '--import', 'tsx',
      'scripts/migrate.ts', command, url,
    ], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 });
    return stdout;
  } catch (error) {
    // execFile's rejection carries the child's output.
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`scripts/migrate.ts ${command} failed: ${stderr || String(error)}`, { cause: error });
  }
}
