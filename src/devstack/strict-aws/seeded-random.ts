// z of the 99th percentile of the standard normal distribution.
const Z_99 = 2.326_347_874;

/** A seeded pseudo-random source (mulberry32): the same seed gives the same draws. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** True with probability `fraction`. */
  chance(fraction: number): boolean {
    return fraction > 0 && this.next() < fraction;
  }

  /** A whole number in [min, max]. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A log-normal draw with the given median and 99th percentile (the median when they are equal). */
  logNormal(median: number, p99: number): number {
    if (median <= 0 || p99 <= median) return Math.max(0, median);
    const sigma = Math.log(p99 / median) / Z_99;
    // Box-Muller; 1 - next() is in (0, 1], so the logarithm is finite.
    const z = Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
    return median * Math.exp(sigma * z);
  }

  /** A random hexadecimal string of `length` characters (partition keys of `Random` distribution). */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }
}
