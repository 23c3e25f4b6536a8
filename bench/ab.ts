// Two builds of zerodl side by side in one process: this one and another checkout's dist/ (e.g. main
// before a change, built in a git worktree). Each is its own module graph, with its own backend, thread
// pool and wasm memory; both train the seed network on one MNIST 0/1/2 epoch at batch 1, in alternating
// blocks of steps over the same samples, and the totals are compared. The 2-vCPU VMs these benchmarks
// run on slow down for seconds at a time, so only work run side by side compares; separate processes
// (or two `npm run bench` runs) do not.
//   git worktree add /tmp/base main && (cd /tmp/base && npm ci)
//   ZERODL_THREADS=1 node dist/bench/ab.js --against /tmp/base/dist [--rounds 3] [--block 500]
// Prints one line per round and the median ratio (this build's time over the other's: < 1 is faster).

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mnist3Accuracy } from './workloads.js';

/** One build's epoch: its network, optimizer and batches, and the time spent in its steps. */
interface Side {
  name: string;
  step: () => void;
  accuracy: () => number;
  ms: number;
}

/** Loads the build under `dist` and prepares its epoch (everything through its own modules). */
async function prepare(name: string, dist: string): Promise<Side> {
  const load = (path: string) => import(pathToFileURL(join(dist, path)).href);
  const { useDefaultBackend } = await load('src/backend/select.js');
  useDefaultBackend();
  const { loadMnist3 } = await load('bench/workloads.js');
  const { threeLayerNet } = await load('src/model/zoo.js');
  const { Momentum } = await load('src/optimizers/momentum.js');
  const { Batches } = await load('src/data/batches.js');
  const data = loadMnist3();
  const net = threeLayerNet();
  const optimizer = new Momentum({ lr: 0.01, momentum: 0.9 });
  const batches = new Batches(data.x, data.labels, { batchSize: 1, classes: 3 });
  const epoch = batches.epoch(Array.from(data.labels, (_: number, i: number) => i));
  return {
    name,
    ms: 0,
    step: () => {
      const batch = epoch.next().value;
      net.trainStep(batch.x, batch.t, optimizer);
    },
    accuracy: () => mnist3Accuracy(net, data),
  };
}

const EPOCH_STEPS = 18_623; // MNIST 0/1/2 training images

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (flag: string, fallback: string) => {
    const at = args.indexOf(flag);
    return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
  };
  const against = option('--against', '');
  if (against === '') throw new Error('bench/ab: --against DIR names the other build (its dist/ folder)');
  const rounds = Number(option('--rounds', '3'));
  const block = Number(option('--block', '500'));
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(block) || block < 1)
    throw new Error('bench/ab: --rounds and --block take whole numbers >= 1');
  const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const sides = [await prepare('this build', here), await prepare('other', resolve(against))];
    for (let done = 0, turn = 0; done < EPOCH_STEPS; done += block, turn++) {
      const steps = Math.min(block, EPOCH_STEPS - done);
      // alternate which side goes first, so that neither always follows the other's cache footprint
      for (const side of turn % 2 === 0 ? sides : [...sides].reverse()) {
        const start = performance.now();
        for (let i = 0; i < steps; i++) side.step();
        side.ms += performance.now() - start;
      }
    }
    const [ours, other] = sides;
    ratios.push(ours.ms / other.ms);
    console.log(
      `round ${round}: this build ${(ours.ms / 1000).toFixed(2)} s (test acc ${ours.accuracy().toFixed(4)}), ` +
        `${against} ${(other.ms / 1000).toFixed(2)} s (test acc ${other.accuracy().toFixed(4)}): ratio ${(ours.ms / other.ms).toFixed(3)}`,
    );
  }
  ratios.sort((x, y) => x - y);
  console.log(`median ratio (this build / other) over ${rounds} rounds: ${ratios[rounds >> 1].toFixed(3)}`);
}

await main();
