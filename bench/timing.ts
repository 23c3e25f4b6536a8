// Timing for benchmarks, the same method as the anchors' common.bench: warm up, calibrate an inner loop
// so that one timed block lasts at least 2 ms, time many blocks, report the median per call.

/** Per-call times of a measured function. */
export interface Timing {
  medianMs: number;
  minMs: number;
  /** Timed blocks, and calls per block. */
  reps: number;
  inner: number;
}

/**
 * Times `fn` within about `targetS` seconds (at least `minReps` blocks, fewer for very slow calls).
 *
 * @example
 * const { medianMs } = measure(() => net.predict(x), { targetS: 0.5 });
 */
export function measure(
  fn: () => void,
  { targetS = 1, minReps = 5, maxReps = 200, warmup = 3, blockS = 0.002 } = {},
): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const start = performance.now();
  fn();
  const once = Math.max((performance.now() - start) / 1000, 1e-9);
  const inner = Math.max(1, Math.ceil(blockS / once));
  let reps = Math.max(minReps, Math.min(maxReps, Math.floor(targetS / (once * inner))));
  if (once * inner * reps > 4 * targetS) reps = Math.max(2, Math.floor((4 * targetS) / (once * inner)));
  const times: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const blockStart = performance.now();
    for (let i = 0; i < inner; i++) fn();
    times.push((performance.now() - blockStart) / inner);
  }
  times.sort((x, y) => x - y);
  const middle = times.length >> 1;
  const medianMs = times.length % 2 === 1 ? times[middle] : (times[middle - 1] + times[middle]) / 2;
  return { medianMs, minMs: times[0], reps, inner };
}
