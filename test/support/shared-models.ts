// Where a reference checkpoint of ../shared/models is: $STORIES260K_DIR for stories260K, else the
// first existing of <project>/../shared/models/<name> and /work/shared/models/<name> (the team
// machines' place, so a clone elsewhere, such as CI's, still finds it). Returns the first
// candidate when none exists, for the skip message.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../api/config.js';

export function sharedModelDir(name: string): string {
  const override = name === 'stories260K' ? process.env.STORIES260K_DIR : undefined;
  const candidates = [path.resolve(PROJECT_ROOT, '..', 'shared', 'models', name), path.join('/work/shared/models', name)];
  if (override !== undefined) return override;
  return candidates.find((dir) => existsSync(path.join(dir, 'config.json'))) ?? candidates[0]!;
}
