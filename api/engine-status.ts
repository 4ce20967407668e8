// The engine's status as `health { engine }` reports it. The engine (engine/index.ts) is wired
// in by a later change; until then the server reports it as not loaded.

/** Returns a short human-readable engine status such as "ready" or "not loaded". */
export type EngineStatus = () => string;

/** The status before any model is loaded into the engine. */
export const engineNotLoaded: EngineStatus = () => 'not loaded';
