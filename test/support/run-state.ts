// What globalSetup started, for globalTeardown (both run in jest's parent process).
import type { RunningPostgres } from '../../api/database/embedded.js';

export interface RunState {
  embedded?: RunningPostgres;
  embeddedDir?: string;
  templateUrl?: string;
}

const KEY = Symbol.for('neuron-atlas.test-run-state');
type Holder = { [KEY]?: RunState };

/** Merges `patch` into the run state. */
export function setRunState(patch: RunState): void {
  // globalSetup and globalTeardown share only the parent process's globals.
  const holder = globalThis as Holder;
  holder[KEY] = { ...holder[KEY], ...patch };
}

/** The run state recorded by globalSetup (empty if it failed early). */
export function getRunState(): RunState {
  return (globalThis as Holder)[KEY] ?? {};
}
