// Installed with `node --import` for the test files marked `// @backend-independent` (npm run
// test:once): a backend whose every kernel throws, naming the kernel, so a file so marked that runs a
// layer, a model or an optimizer through the installed backend fails instead of quietly testing one
// backend only. Tensors stay in ordinary JavaScript memory.

import { setBackend } from '../src/backend/active.js';
import type { Backend } from '../src/backend/backend.js';
import { referenceBackend } from '../src/backend/reference/index.js';

const kernels = Object.keys(referenceBackend).filter((key) => key !== 'name');
const noBackend = Object.fromEntries([
  ['name', 'none'],
  ...kernels.map((kernel) => [
    kernel,
    () => {
      throw new Error(
        `backend.${kernel} called by a test file marked '// @backend-independent': it depends on the ` +
          'backend, so remove the marker and it runs on every backend (docs/DESIGN.md, Habits)',
      );
    },
  ]),
]) as unknown as Backend;

setBackend(noBackend);
