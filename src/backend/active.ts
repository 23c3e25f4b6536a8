// The active backend: the one layers and optimizers call, the reference backend until `setBackend`
// chooses another (select.ts picks one from ZERODL_BACKEND). Kept apart from backend.ts, the interface,
// so that the interface imports no backend and no import cycle runs through it.

import type { Backend } from './backend.js';
import { referenceBackend } from './reference/index.js';

let active: Backend = referenceBackend;

/** The backend layers call: the reference backend until `setBackend` chooses another. */
export function getBackend(): Backend {
  return active;
}

/** Makes `backend` the one layers call from now on. */
export function setBackend(backend: Backend): void {
  active = backend;
}
