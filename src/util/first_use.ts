// The first use: what runs the first time a tensor is allocated or a kernel is looked up while no
// backend has been chosen. backend/select.ts registers the default backend's selection here, so that
// importing zerodl chooses nothing (no wasm compile, no worker, no V8 flag) and the first use does.

let pending: (() => void) | undefined;

/** Registers what the first use runs (backend/select.ts: `useDefaultBackend`); replaces an earlier one. */
export function onFirstUse(hook: () => void): void {
  pending = hook;
}

/**
 * Runs the registered hook once, if a backend has not been chosen yet. A hook that throws stays
 * registered, so the next use reports the same error instead of silently running on another backend.
 */
export function firstUse(): void {
  const hook = pending;
  if (hook === undefined) return;
  pending = undefined;
  try {
    hook();
  } catch (error) {
    pending ??= hook;
    throw error;
  }
}

/** A backend was chosen (`setBackend`): the first use has nothing left to do. */
export function firstUseDone(): void {
  pending = undefined;
}
