// Writes a few MNIST test digits as PNG files (runs/samples/), for `zerodl predict` to classify:
// most as MNIST draws them (light on dark), one inverted like a pen drawing on paper.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadMnist } from '../src/data/mnist.js';

const outDir = process.argv[2] ?? join('runs', 'samples');
const count = Number(process.argv[3] ?? 6);
const test = loadMnist({ split: 'test', classes: [0, 1, 2] });
mkdirSync(outDir, { recursive: true });
for (let i = 0; i < count; i++) {
  const inverted = i === count - 1; // dark ink on white paper: predict's polarity 'auto' turns it back
  const png = new PNG({ width: 28, height: 28 });
  for (let p = 0; p < 784; p++) {
    const value = test.x.data[i * 784 + p];
    const gray = Math.round(255 * (inverted ? 1 - value : value));
    png.data.set([gray, gray, gray, 255], 4 * p);
  }
  const name = `test${String(i).padStart(4, '0')}_label${test.classNames[test.labels[i]]}${inverted ? '_inverted' : ''}.png`;
  writeFileSync(join(outDir, name), PNG.sync.write(png));
}
process.stderr.write(`wrote ${count} MNIST test digits to ${outDir}\n`);
