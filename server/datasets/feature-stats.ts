/**
 * Running statistics of one numeric feature, per dimension (Welford), in LeRobot's `stats.json` shape:
 * `{min, max, mean, std, count}` with one value per dimension (`count` is `[n]`).
 */
export class FeatureStats {
  private n = 0;
  private mean: number[] = [];
  private m2: number[] = [];
  private min: number[] = [];
  private max: number[] = [];

  add(x: ArrayLike<number>): void {
    this.n++;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      const mean = this.mean[i] ?? 0;
      const d = v - mean;
      const next = mean + d / this.n;
      this.mean[i] = next;
      this.m2[i] = (this.m2[i] ?? 0) + d * (v - next);
      this.min[i] = Math.min(this.min[i] ?? Infinity, v);
      this.max[i] = Math.max(this.max[i] ?? -Infinity, v);
    }
  }

  get count(): number {
    return this.n;
  }

  toJSON(): { min: number[]; max: number[]; mean: number[]; std: number[]; count: number[] } {
    return { min: this.min, max: this.max, mean: this.mean, std: this.m2.map((m) => Math.sqrt(m / Math.max(1, this.n))), count: [this.n] };
  }
}
