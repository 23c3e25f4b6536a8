// Locates the committed test fixtures (test/fixtures/, made by the scripts in tools/) from compiled tests.

import { fileURLToPath } from 'node:url';

/** The absolute path of a file in test/fixtures/ (this module runs from dist/test/). */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
}
