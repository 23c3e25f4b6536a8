// The active backend: the one layers and optimizers call. Until `setBackend` (or `useDefaultBackend`)
// chooses one, the first call chooses the default (util/first_use.ts; the reference backend when
// nothing is registered there). Kept apart from backend.ts, the interface, so that the interface
// imports no backend and no import cycle runs through it.

import { firstUse, firstUseDone } from '../util/first_use.js';
import type { Backend } from './backend.js';
import { referenceBackend } from './reference/index.js';

let active: Backend | undefined;

/** The backend layers call: the default on first use (see above) until `setBackend` chooses another. */
export function getBackend(): Backend {
  if (active === undefined) {
    firstUse();
    active ??= referenceBackend;
  }
  return active;
}

/** Makes `backend` the one layers call from now on. */
export function setBackend(backend: Backend): void {
  active = backend;
  firstUseDone();
}
