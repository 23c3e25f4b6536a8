// The thread pool's policies: the backoff after stalls (StallBackoff: a lone stall skips the workers for
// two calls, stalls in a row for 32, 64, … up to 256 calls, and a parallel call without a stall ends the
// series), and sharing less while the two cores are far apart (its measured round trip between them).
//
// @backend-independent: runs wasm backends and thread pools it creates itself

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../util/random.js';
import { createWasmBackend } from './index.js';
import { loadWasmRuntime } from './module.js';
import { DEFAULT_PLACEMENT } from './placement.js';
import { chunkOf, StallBackoff, ThreadPool } from './thread_pool.js';

const FAR_PARALLEL_FLOPS = DEFAULT_PLACEMENT.farParallelFlops;

// How many calls in a row run on one thread before the workers are used again.
function callsOnOneThread(backoff: StallBackoff): number {
  let calls = 0;
  while (!backoff.shareNext()) calls++;
  return calls;
}

describe('StallBackoff', () => {
  it('shares every call while nothing stalls', () => {
    const backoff = new StallBackoff();
    for (let call = 0; call < 10; call++) {
      assert.equal(backoff.shareNext(), true);
      backoff.record(false);
    }
  });

  it('skips the workers for 2 calls after a lone stall (a hiccup of the host), then shares again', () => {
    const backoff = new StallBackoff();
    for (let hiccup = 0; hiccup < 3; hiccup++) {
      backoff.record(true);
      assert.equal(callsOnOneThread(backoff), 2);
      backoff.record(false); // the next parallel call went well
    }
  });

  it('backs off for 32, 64, 128, 256, 256 calls while parallel calls keep stalling', () => {
    const backoff = new StallBackoff();
    const lengths: number[] = [];
    for (let stall = 0; stall < 6; stall++) {
      backoff.record(true);
      lengths.push(callsOnOneThread(backoff));
    }
    assert.deepEqual(lengths, [2, 32, 64, 128, 256, 256]);
    backoff.record(false);
    backoff.record(true);
    assert.equal(callsOnOneThread(backoff), 2, 'a call without a stall ends the series');
  });
});

describe('ThreadPool while the cores are far apart', () => {
  // The pool's measured round trip, set by hand: 520 ns is what these machines show without a common L3.
  const setRoundTrip = (pool: ThreadPool, ns: number) => {
    (pool as unknown as { roundTripNs: number }).roundTripNs = ns;
  };

  it('shares only large products and large optimizer updates, and everything again once near', async () => {
    const pool = new ThreadPool(loadWasmRuntime(), 2);
    try {
      setRoundTrip(pool, 520);
      assert.equal(pool.useWorkers(FAR_PARALLEL_FLOPS / 2), false, 'a small product stays on one thread');
      assert.equal(pool.useWorkers(FAR_PARALLEL_FLOPS), true, 'a large one is shared');
      assert.equal(pool.chunksFor(1 << 20, 'update'), 1, 'an optimizer update over 1M floats stays');
      assert.ok(pool.chunksFor(1 << 20) > 1, 'other parallel-for jobs are shared');
      setRoundTrip(pool, 130);
      assert.equal(pool.useWorkers(FAR_PARALLEL_FLOPS / 2), true);
      assert.ok(pool.chunksFor(1 << 20, 'update') > 1);
    } finally {
      await pool.close();
    }
  });

  it('keeps sharing as before when its far policy is off', async () => {
    const pool = new ThreadPool(loadWasmRuntime(), 2);
    pool.policy.farCores = false;
    try {
      setRoundTrip(pool, 520);
      assert.equal(pool.useWorkers(1), true);
      assert.ok(pool.chunksFor(1 << 20, 'update') > 1);
    } finally {
      await pool.close();
    }
  });

  it('measures the round trip to worker 1 after shared jobs', async () => {
    const wasm = createWasmBackend({ threads: 2 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // the worker starts
      const size = 128; // C [128, 128] = A [128, 128] · B [128, 128], 4.2 MFLOP: shared
      const a = wasm.allocate(size * size).fill(1);
      const c = wasm.allocate(size * size);
      // a probe runs after the first shared job (and every 64th), again after the next while worker 1
      // does not answer; on a busy machine products may run on one thread for a while (the backoff)
      const start = performance.now();
      while (wasm.pool.coreRoundTripNs === 0 && performance.now() - start < 5000) {
        wasm.gemm(false, false, size, size, size, 1, a, 0, size, a, 0, size, 0, c, 0, size);
      }
      assert.equal(c[0], size);
      const ns = wasm.pool.coreRoundTripNs;
      assert.ok(ns > 10 && ns < 100_000, `a plausible round trip, got ${ns} ns`);
    } finally {
      await wasm.close();
    }
  });
});

describe('chunkOf (two threads claiming from opposite ends)', () => {
  it('hands out every chunk exactly once, however the two threads interleave', () => {
    const rng = new Random(3);
    for (let trial = 0; trial < 200; trial++) {
      const total = 1 + rng.int(40);
      const taken = new Array<number>(total).fill(0);
      const own = [0, 0];
      // each claim is Atomics.add on the job's counter; a random thread makes it
      for (let claim = 0; claim < total; claim++) {
        const thread = rng.uniform() < 0.3 ? 0 : 1;
        taken[chunkOf(claim, own[thread]++, total, thread, true)]++;
      }
      assert.deepEqual(taken, new Array<number>(total).fill(1), `total ${total}`);
    }
  });

  it('gives each thread the same chunks call after call when they keep pace', () => {
    const chunks = (thread: number) => [0, 1, 2].map((own) => chunkOf(own, own, 6, thread, true));
    assert.deepEqual(chunks(0), [0, 1, 2]);
    assert.deepEqual(chunks(1), [5, 4, 3]);
    assert.equal(chunkOf(4, 2, 6, 1, false), 4, 'in claim order otherwise');
  });
});
