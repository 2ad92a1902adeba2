/**
 * `npm run bench:rl` — REINFORCE fine-tuning (trainer/rl/reinforce.ts) on CartPole-v1 and Pendulum-v1:
 * learning curves from scratch (an untrained policy) and from a behaviour-cloning start (a policy
 * trained on a small number of scripted-expert demonstration steps, so there is room to improve).
 *
 * Per run: the mean return of each iteration's stochastic training episodes (the curve), and the
 * deterministic evaluation (10 held-out seeds) before and after. Defaults (2 seeds, ≈ 3–6 min on
 * 2 cores): CartPole 40 iterations × 10 episodes, Pendulum 40 × 10 (200 steps each). `--seeds 1`
 * halves it; `--iterations N` overrides.
 *
 * Saves bench/results/rl.{json,md} and rl.svg (curves, mean over seeds).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createExpert, getEnvSpec } from "../envs/index";
import { selectBackend } from "../trainer/backend";
import { makeDataset } from "../trainer/dataset";
import { QUICK_TRAINING } from "../trainer/dagger/presets";
import { createInitialPolicy, reinforce, type TReinforceOptionsInput } from "../trainer/rl/reinforce";
import { rollout } from "../trainer/rollout";
import { trainPolicy } from "../trainer/train";
import { RESULTS_DIR, saveResults, type Row } from "./lib/results";

interface Setup {
  readonly env: "CartPole-v1" | "Pendulum-v1";
  readonly start: "scratch" | "bc";
  /** Expert demonstration steps for the BC start. */
  readonly demoSteps: number;
  readonly options: TReinforceOptionsInput;
}

const SETUPS: readonly Setup[] = [
  { env: "CartPole-v1", start: "scratch", demoSteps: 0, options: { learningRate: 1e-2, baseline: "mean" } },
  { env: "CartPole-v1", start: "bc", demoSteps: 60, options: { learningRate: 1e-2, baseline: "mean" } },
  { env: "Pendulum-v1", start: "scratch", demoSteps: 0, options: { learningRate: 5e-3, baseline: "value", entropyCoef: 0.01 } },
  { env: "Pendulum-v1", start: "bc", demoSteps: 1000, options: { learningRate: 2e-3, baseline: "value" } },
];

async function bcStart(env: string, steps: number, seed: number): Promise<Uint8Array> {
  const demos = rollout({ envId: env, expert: createExpert(env, { seed }), beta: 1, episodes: 5, firstSeed: 50_000 + 10 * seed, recordStates: false });
  const rows = demos.flatMap((t) => t.steps).slice(0, steps);
  const ds = makeDataset(
    rows.map((s) => s.observation),
    rows.map((s) => s.action),
  );
  const spec = getEnvSpec(env);
  const r = await trainPolicy(ds, { actionSpace: spec.actionSpace, ...QUICK_TRAINING, seed, envId: env });
  return r.blob;
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
    let seconds = 0;
    let episodes: number[] = [];
    let steps = 0;
    for (const seed of seeds) {
      const t = performance.now();
      const blob = setup.start === "scratch" ? await createInitialPolicy(setup.env, { seed }) : await bcStart(setup.env, setup.demoSteps, seed);
      const r = await reinforce(blob, setup.env, { iterations, episodesPerIteration: 10, seed, evalEpisodes: 10, ...setup.options }, { backend });
      seconds += (performance.now() - t) / 1000;
      const ev = r.evaluation!;
      befores.push(ev.before.meanReturn);
      afters.push(ev.after.meanReturn);
      perSeed.push(r.curve.map((c) => c.meanReturn));
      episodes = r.curve.map((c) => c.iteration * 10);
      steps += r.steps;
      process.stderr.write(
        `[rl] ${setup.env} ${setup.start} seed ${seed}: eval ${ev.before.meanReturn.toFixed(1)} → ${ev.after.meanReturn.toFixed(1)} (${((performance.now() - t) / 1000).toFixed(0)} s)\n`,
      );
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const curve = episodes.map((_, i) => mean(perSeed.map((c) => c[i] ?? c[c.length - 1] ?? 0)));
    curves.push({ label: `${setup.start === "scratch" ? "from scratch" : `from BC (${setup.demoSteps} demo steps)`}`, env: setup.env, episodes, returns: curve });
    rows.push({
      env: setup.env,
      start: setup.start === "scratch" ? "scratch" : `BC, ${setup.demoSteps} demo steps`,
      baseline: String(setup.options.baseline ?? "mean"),
      lr: setup.options.learningRate ?? null,
      entropy: setup.options.entropyCoef ?? 0,
      seeds: seeds.length,
      episodes: iterations * 10,
      evalBefore: mean(befores),
      evalAfter: mean(afters),
      trainFirst5: mean(curve.slice(0, 5)),
      trainLast5: mean(curve.slice(-5)),
      envStepsPerRun: steps / seeds.length,
      secondsPerRun: seconds / seeds.length,
    });
  }
  const wallS = (performance.now() - t0) / 1000;
  const md = saveResults("rl", {
    title: "REINFORCE fine-tuning: CartPole-v1 and Pendulum-v1, from scratch and from behaviour cloning",
    rows,
    columns: [
      { key: "env" },
      { key: "start" },
      { key: "baseline" },
      { key: "lr" },
      { key: "entropy", header: "entropy α" },
      { key: "seeds" },
      { key: "episodes" },
      { key: "evalBefore", header: "eval return before" },
      { key: "evalAfter", header: "eval return after" },
      { key: "trainFirst5", header: "train return, first 5 it." },
      { key: "trainLast5", header: "train return, last 5 it." },
      { key: "envStepsPerRun", header: "env steps/run" },
      { key: "secondsPerRun", header: "s/run" },
    ],
    notes: [
      `Backend: ${backend.detail}. Policies: 64→64 relu MLP; CartPole categorical, Pendulum state-σ Gaussian. ${iterations} iterations × 10 on-policy episodes, one Adam step per iteration on the whole batch, γ = 0.99, standardised advantages.`,
      "Eval: deterministic actions on 10 held-out seeds (100000+), before and after; 'train return' = mean return of the stochastic training episodes (mean over seeds). CartPole max 500; Pendulum ≈ −1200 random, ≈ −150 expert.",
      "BC start: QUICK_TRAINING on the first N steps of scripted-expert episodes (few on purpose, to leave room for RL). s/run includes the BC training.",
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
