// The one source of randomness: a seeded xoshiro128** generator with uniform, normal (Box–Muller),
// integer and shuffle draws. Same seed, same sequence, on every platform.

/**
 * A seeded pseudo-random generator (xoshiro128**, state from splitmix32 of the seed).
 *
 * @example
 * const rng = new Random(42);
 * rng.randn();              // a draw from N(0, 1)
 * rng.shuffle([1, 2, 3]);   // the same order for the same seed
 */
export class Random {
  private readonly state = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    let s = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32 spreads a small seed over the 128-bit state, so seeds 0, 1, 2 give unrelated streams
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.state[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A standard normal draw N(0, 1) (Box–Muller; the second value of each pair is kept for the next call). */
  randn(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log(0) would be -Infinity
    const u2 = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** The generator's state, to save in a checkpoint and restore with `setState`. */
  getState(): number[] {
    return [...this.state, this.spareNormal ?? Number.NaN];
  }

  /** Restores a state returned by `getState`, so a resumed run draws the same numbers. */
  setState(state: readonly number[]): void {
    for (let i = 0; i < 4; i++) this.state[i] = state[i] >>> 0;
    this.spareNormal = Number.isNaN(state[4]) ? null : state[4];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
