// jest globalSetup. It runs in jest's parent process, where Node (not jest's resolver) loads
// imports, so the TypeScript harness is loaded through tsx.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { setupRun } = await tsImport('./setup-run.ts', import.meta.url);
  await setupRun();
}
