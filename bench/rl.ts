/**
 * `npm run bench:rl` — REINFORCE fine-tuning (trainer/rl/reinforce.ts) on CartPole-v1 and Pendulum-v1:
 * learning curves from scratch (an untrained policy) and from a DAgger start (the headless DAgger loop,
 * trainer/dagger, with the scripted expert and a deliberately small label budget, so there is room to
 * improve) — the platform's "fine-tune with RL after round N".
 *
 * Per run: the mean return of each iteration's stochastic training episodes (the curve), the episodes
 * until that return first reaches a target (CartPole 475, Pendulum −400), and the deterministic
 * evaluation (10 held-out seeds) before and after. The from-DAgger rows use the project option's
 * defaults (contracts/settings.ts `ZRlFineTune`: lr 1e-3, learned value baseline fitted alone for the
 * first 5 iterations); one row repeats the from-scratch settings (lr 1e-2, mean baseline) from the
 * same start, which is what the first version of this benchmark did. Defaults: 2 seeds, 40 iterations
 * × 10 episodes. `--seeds 1` halves it; `--iterations N` overrides.
 *
 * Saves bench/results/rl.{json,md} and rl.svg (curves, mean over seeds).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ZRlFineTune } from "../contracts/settings";
import { selectBackend } from "../trainer/backend";
import { runDagger } from "../trainer/dagger/loop";
import { QUICK_TRAINING } from "../trainer/dagger/presets";
import type { TReinforceOptionsInput } from "../contracts/trainer-protocol";
import { createInitialPolicy, reinforce } from "../trainer/rl/reinforce";
import { trainPolicy } from "../trainer/train";
import { RESULTS_DIR, saveResults, type Row } from "./lib/results";

interface Setup {
  readonly env: "CartPole-v1" | "Pendulum-v1";
  readonly start: "scratch" | "dagger";
  /** DAgger start: rounds (round 0 = demonstrations) × labels per round. */
  readonly dagger?: { readonly rounds: number; readonly labelsPerRound: number };
  readonly label: string;
  readonly options: TReinforceOptionsInput;
}

/** The project option's defaults (what the platform's finetune job runs). */
const PLATFORM = ZRlFineTune.parse({});
const PLATFORM_OPTIONS: TReinforceOptionsInput = { learningRate: PLATFORM.learningRate, baseline: PLATFORM.baseline, valueWarmupIterations: 5, entropyCoef: PLATFORM.entropyCoef, gamma: PLATFORM.gamma };
const TARGET: Record<Setup["env"], number> = { "CartPole-v1": 475, "Pendulum-v1": -400 };

const SETUPS: readonly Setup[] = [
  { env: "CartPole-v1", start: "scratch", label: "from scratch", options: { learningRate: 1e-2, baseline: "mean" } },
  { env: "CartPole-v1", start: "dagger", dagger: { rounds: 2, labelsPerRound: 10 }, label: "from DAgger, platform defaults", options: PLATFORM_OPTIONS },
  { env: "CartPole-v1", start: "dagger", dagger: { rounds: 2, labelsPerRound: 10 }, label: "from DAgger, scratch settings", options: { learningRate: 1e-2, baseline: "mean" } },
  { env: "Pendulum-v1", start: "scratch", label: "from scratch", options: { learningRate: 5e-3, baseline: "value", entropyCoef: 0.01 } },
  { env: "Pendulum-v1", start: "dagger", dagger: { rounds: 3, labelsPerRound: 1000 }, label: "from DAgger, platform defaults", options: PLATFORM_OPTIONS },
];

async function daggerStart(env: string, d: { rounds: number; labelsPerRound: number }, seed: number): Promise<Uint8Array> {
  const report = await runDagger(
    { envId: env, rounds: d.rounds, labelsPerRound: d.labelsPerRound, compareBC: false, evalEpisodes: 2, training: QUICK_TRAINING, seed },
    { train: (ds, cfg, opts) => trainPolicy(ds, cfg, opts) },
  );
  if (!report.finalPolicy) throw new Error("DAgger returned no policy");
  return report.finalPolicy;
}

/** Episodes until an iteration's mean training return first reaches `target` (null: never). */
function episodesToReach(curve: readonly number[], target: number, perIteration: number): number | null {
  const i = curve.findIndex((r) => r >= target);
  return i < 0 ? null : (i + 1) * perIteration;
}

interface Curve {
  readonly label: string;
  readonly env: string;
  readonly episodes: number[];
  readonly returns: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seeds: { type: "string" }, iterations: { type: "string" } } });
  const seeds = Array.from({ length: Number(values.seeds ?? 2) }, (_, i) => i);
  const iterations = Number(values.iterations ?? 40);
  const t0 = performance.now();
  const backend = await selectBackend({ expectedBatchSize: 1024 });
  const rows: Row[] = [];
  const curves: Curve[] = [];
  for (const setup of SETUPS) {
    const perSeed: number[][] = [];
    const befores: number[] = [];
    const afters: number[] = [];
    const reach: Array<number | null> = [];
    let seconds = 0;
    let startSeconds = 0;
    let episodes: number[] = [];
    let steps = 0;
    for (const seed of seeds) {
      const t = performance.now();
      const blob = setup.start === "scratch" ? await createInitialPolicy(setup.env, { seed }) : await daggerStart(setup.env, setup.dagger!, seed);
      const tStart = (performance.now() - t) / 1000;
      startSeconds += tStart;
      const r = await reinforce(blob, setup.env, { iterations, episodesPerIteration: 10, seed, evalEpisodes: 10, ...setup.options }, { backend });
      seconds += (performance.now() - t) / 1000 - tStart;
      const ev = r.evaluation!;
      befores.push(ev.before.meanReturn);
      afters.push(ev.after.meanReturn);
      const c = r.curve.map((p) => p.meanReturn);
      perSeed.push(c);
      reach.push(episodesToReach(c, TARGET[setup.env], 10));
      episodes = r.curve.map((p) => p.iteration * 10);
      steps += r.steps;
      process.stderr.write(
        `[rl] ${setup.env} ${setup.label} seed ${seed}: eval ${ev.before.meanReturn.toFixed(1)} → ${ev.after.meanReturn.toFixed(1)}, reach ${reach.at(-1) ?? "never"} (${((performance.now() - t) / 1000).toFixed(0)} s)\n`,
      );
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const curve = episodes.map((_, i) => mean(perSeed.map((c) => c[i] ?? c[c.length - 1] ?? 0)));
    curves.push({ label: setup.label, env: setup.env, episodes, returns: curve });
    const o = setup.options;
    rows.push({
      env: setup.env,
      start: setup.start === "scratch" ? "scratch" : `DAgger, ${setup.dagger!.rounds} rounds × ${setup.dagger!.labelsPerRound} labels`,
      settings: `${setup.label.replace(/^from (scratch|DAgger), ?/, "") || "scratch"}: ${o.baseline ?? "mean"}${o.valueWarmupIterations ? ` (warm-up ${o.valueWarmupIterations})` : ""}, lr ${o.learningRate}${o.entropyCoef ? `, α ${o.entropyCoef}` : ""}`,
      seeds: seeds.length,
      episodes: iterations * 10,
      evalBefore: mean(befores),
      evalAfter: mean(afters),
      evalAfterPerSeed: afters.map((a) => a.toFixed(0)).join(" / "),
      trainFirst5: mean(curve.slice(0, 5)),
      trainLast5: mean(curve.slice(-5)),
      episodesToTarget: reach.map((x) => x ?? "never").join(" / "),
      envStepsPerRun: steps / seeds.length,
      startSecondsPerRun: startSeconds / seeds.length,
      secondsPerRun: seconds / seeds.length,
    });
  }
  const wallS = (performance.now() - t0) / 1000;
  const md = saveResults("rl", {
    title: "REINFORCE fine-tuning: CartPole-v1 and Pendulum-v1, from scratch and from a DAgger start",
    rows,
    columns: [
      { key: "env" },
      { key: "start" },
      { key: "settings", header: "RL settings" },
      { key: "seeds" },
      { key: "episodes" },
      { key: "evalBefore", header: "eval return before" },
      { key: "evalAfter", header: "eval return after" },
      { key: "evalAfterPerSeed", header: "after, per seed" },
      { key: "trainFirst5", header: "train return, first 5 it." },
      { key: "trainLast5", header: "train return, last 5 it." },
      { key: "episodesToTarget", header: "episodes to target, per seed" },
      { key: "envStepsPerRun", header: "env steps/run" },
      { key: "startSecondsPerRun", header: "start s/run" },
      { key: "secondsPerRun", header: "RL s/run" },
    ],
    notes: [
      `Backend: ${backend.detail}. Policies: 64→64 relu MLP; CartPole categorical, Pendulum state-σ Gaussian. ${iterations} iterations × 10 on-policy episodes, one Adam step per iteration on the whole batch, γ = 0.99, standardised advantages.`,
      "Eval: deterministic actions on 10 held-out seeds (100000+), before and after; 'train return' = mean return of the stochastic training episodes (mean over seeds). Target: first iteration whose mean training return is ≥ 475 (CartPole, max 500) or ≥ −400 (Pendulum; ≈ −1200 random, ≈ −150 expert).",
      "DAgger start: trainer/dagger runDagger with the scripted expert, QUICK_TRAINING, uniform selection, β = 0; round 0 labels consecutive expert steps. 'start s' is the DAgger run, 'RL s' the fine-tune (with both evaluations).",
      `Wall time ${wallS.toFixed(0)} s.`,
    ],
    extra: { backend, wallSeconds: wallS, curves },
  });
  writeFileSync(path.join(RESULTS_DIR, "rl.svg"), renderSvg(curves));
  process.stdout.write(`${md}\nwrote bench/results/rl.{json,md,svg} in ${wallS.toFixed(0)} s\n`);
}

function renderSvg(curves: readonly Curve[]): string {
  const envs = [...new Set(curves.map((c) => c.env))];
  const pw = 420;
  const ph = 260;
  const m = { l: 56, r: 12, t: 30, b: 40 };
  const W = envs.length * pw;
  const H = ph + 24;
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">REINFORCE: mean training-episode return vs episodes (mean over seeds)</text>`,
  ];
  envs.forEach((env, i) => {
    const ox = i * pw;
    const oy = 24;
    const mine = curves.filter((c) => c.env === env);
    const maxX = Math.max(1, ...mine.flatMap((c) => c.episodes));
    const ys = mine.flatMap((c) => c.returns);
    const yMin = Math.min(...ys);
    const yMax = Math.max(...ys, yMin + 1);
    const x = (v: number): number => ox + m.l + (v / maxX) * (pw - m.l - m.r);
    const y = (v: number): number => oy + m.t + ((yMax - v) / (yMax - yMin)) * (ph - m.t - m.b);
    out.push(`<text x="${ox + pw / 2}" y="${oy + 14}" text-anchor="middle" font-weight="bold">${env}</text>`);
    out.push(`<line x1="${x(0)}" x2="${x(maxX)}" y1="${y(yMin)}" y2="${y(yMin)}" stroke="#333"/>`);
    out.push(`<line x1="${x(0)}" x2="${x(0)}" y1="${y(yMin)}" y2="${y(yMax)}" stroke="#333"/>`);
    for (const t of [0, 0.5, 1]) {
      const v = yMin + (yMax - yMin) * t;
      out.push(`<text x="${x(0) - 4}" y="${y(v) + 3}" text-anchor="end" fill="#555">${Math.round(v)}</text>`);
      out.push(`<text x="${x(maxX * t)}" y="${y(yMin) + 14}" text-anchor="middle" fill="#555">${Math.round(maxX * t)}</text>`);
    }
    out.push(`<text x="${ox + pw / 2}" y="${oy + ph - 6}" text-anchor="middle" fill="#333">episodes</text>`);
    mine.forEach((c, li) => {
      const color = colors[li % colors.length] as string;
      const pts = c.episodes.map((e, k) => `${x(e).toFixed(1)},${y(c.returns[k] as number).toFixed(1)}`).join(" ");
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`);
      const ly = oy + m.t + 10 + li * 13;
      out.push(`<line x1="${ox + pw - 190}" x2="${ox + pw - 170}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
      out.push(`<text x="${ox + pw - 166}" y="${ly}">${c.label.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</text>`);
    });
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
