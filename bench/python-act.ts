/**
 * `npm run bench:pyact` — how long `Policy.act()` of the numpy runtime (clients/python/corrective/runtime)
 * takes per call, batch 1. Goal (issue 16): ≤ 100 µs per deterministic call for the default MLP of a project
 * (settings `hiddenUnits` [64, 64], relu, the default head: categorical for discrete actions, Gaussian for
 * box actions). The other heads on the same trunk are measured beside it, without a goal.
 *
 * Builds freshly initialised policies (seeded; timing does not depend on training) with the trainer's own
 * code, writes their blobs to a temporary folder and runs bench/python-act.py on them in Debian's python3
 * (one process; warm-up, then 5 repeats of ~0.25 s per case, the best repeat's mean per call plus per-call
 * p50/p99). The TypeScript runtime's `Policy.act` on the same blobs, in this process, is the reference.
 * Saves bench/results/pyact.{json,md}.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getEnvSpec } from "../envs/index";
import { selectBackend } from "../trainer/backend";
import { Policy } from "../trainer/policy/policy";
import { ZHeadConfig, type TActionSpace, type THeadConfig, type TPolicySpec } from "../contracts/policy-spec";
import { defaultHead } from "../trainer/policy/spec";
import { createTfMembers, disposeTfMembers, serializeTfMembers } from "../trainer/policy/tf-members";
import { mulberry32 } from "../trainer/random";
import { saveResults } from "./lib/results";

/** Also in bench/lib/goals.ts, which reads the rows marked here. */
const GOAL_US = 100;
/** The rows the goal reads: the default MLP with each default head. */
const DEFAULT_POLICIES: readonly string[] = ["cartpole-categorical", "cartrack-gaussian"];
const GOAL_CALL = "act(numpy), deterministic";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_NETWORK = { hidden: [64, 64], activation: "relu" } as const;

interface Case {
  readonly name: string;
  readonly label: string;
  readonly obsDim: number;
  readonly actionSpace: TActionSpace;
  readonly head?: THeadConfig;
  readonly ensembleSize?: number;
}

const ARM: TActionSpace = { type: "box", shape: [6], low: Array(6).fill(-1), high: Array(6).fill(1) };
const cartTrack = getEnvSpec("CarTrack-v0");
const CASES: Case[] = [
  { name: "cartpole-categorical", label: "CartPole-v1 4→2, categorical (default)", obsDim: 4, actionSpace: getEnvSpec("CartPole-v1").actionSpace as TActionSpace },
  { name: "cartrack-gaussian", label: "CarTrack-v0 13→1, gaussian (default)", obsDim: cartTrack.observationSpace.shape?.[0] ?? 13, actionSpace: cartTrack.actionSpace as TActionSpace },
  { name: "arm-gaussian", label: "robot arm 32→6, gaussian", obsDim: 32, actionSpace: ARM },
  { name: "arm-mog", label: "robot arm 32→6, mog (5)", obsDim: 32, actionSpace: ARM, head: ZHeadConfig.parse({ kind: "mog" }) },
  { name: "arm-autoregressive", label: "robot arm 32→6, autoregressive (41 bins)", obsDim: 32, actionSpace: ARM, head: ZHeadConfig.parse({ kind: "autoregressive" }) },
  { name: "arm-cvae", label: "robot arm 32→6, cvae (L 2, best)", obsDim: 32, actionSpace: ARM, head: ZHeadConfig.parse({ kind: "cvae" }) },
  { name: "arm-diffusion", label: "robot arm 32→6, diffusion (10 DDIM steps)", obsDim: 32, actionSpace: ARM, head: ZHeadConfig.parse({ kind: "diffusion" }) },
  { name: "arm-ensemble-gaussian", label: "robot arm 32→6, gaussian × 5 ensemble", obsDim: 32, actionSpace: ARM, ensembleSize: 5 },
];

async function makeBlob(c: Case, seed: number): Promise<Uint8Array> {
  const box = c.actionSpace.type === "box" ? c.actionSpace : null;
  const spec: TPolicySpec = {
    obsDim: c.obsDim,
    actionSpace: c.actionSpace,
    head: c.head ?? defaultHead(c.actionSpace),
    network: { hidden: [...DEFAULT_NETWORK.hidden], activation: DEFAULT_NETWORK.activation },
    ensembleSize: c.ensembleSize ?? 1,
    normalization: {
      obsMean: Array(c.obsDim).fill(0),
      obsStd: Array(c.obsDim).fill(1),
      actCenter: box ? box.low.map((lo, j) => (lo + (box.high[j] as number)) / 2) : [0],
      actScale: box ? box.low.map((lo, j) => ((box.high[j] as number) - lo) / 2) : [1],
    },
  };
  const { members } = createTfMembers(spec, seed);
  try {
    return await serializeTfMembers(spec, members, { bench: "pyact" });
  } finally {
    disposeTfMembers(members);
  }
}

/** Mean µs per `Policy.act` call in the TypeScript runtime (best of 5 repeats of ~0.25 s). */
function timeTypeScript(blob: Uint8Array, obsDim: number): number {
  const policy = Policy.fromBlob(blob);
  const rng = mulberry32(0);
  const obs = Array.from({ length: obsDim }, () => rng() * 2 - 1);
  let sink = 0;
  const run = (n: number): number => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sink += policy.act(obs).uncertainty;
    return ((performance.now() - t0) * 1000) / n;
  };
  run(500);
  const n = Math.max(Math.round(250_000 / Math.max(run(500), 0.05)), 500);
  const best = Math.min(...Array.from({ length: 5 }, () => run(n)));
  if (Number.isNaN(sink)) throw new Error("unreachable");
  return best;
}

interface PyRow {
  policy: string;
  call: string;
  calls: number;
  meanUs: number;
  medianRepeatUs: number;
  p50Us: number;
  p99Us: number;
}

async function main(): Promise<void> {
  await selectBackend({ prefer: "wasm", log: () => undefined });
  const dir = mkdtempSync(path.join(os.tmpdir(), "corrective-pyact-"));
  try {
    const blobs = new Map<string, Uint8Array>();
    for (const [i, c] of CASES.entries()) {
      const blob = await makeBlob(c, 40 + i);
      blobs.set(c.name, blob);
      writeFileSync(path.join(dir, `${c.name}.crpl`), blob);
    }
    const res = spawnSync("python3", [path.join(ROOT, "bench/python-act.py"), dir], { encoding: "utf8", maxBuffer: 16 << 20 });
    if (res.error || res.status !== 0) {
      throw new Error(`python3 bench/python-act.py failed (python3 with numpy is required): ${res.error?.message ?? res.stderr}`);
    }
    const py = JSON.parse(res.stdout) as { python: string; numpy: string; rows: PyRow[] };
    const tsUs = new Map(CASES.map((c) => [c.name, timeTypeScript(blobs.get(c.name)!, c.obsDim)]));
    const round = (v: number): number => Math.round(v * 10) / 10;
    const order = (name: string): number => CASES.findIndex((c) => c.name === name);
    const rows = [...py.rows].sort((a, b) => order(a.policy) - order(b.policy)).map((r) => {
      const c = CASES.find((x) => x.name === r.policy)!;
      const isGoal = DEFAULT_POLICIES.includes(r.policy) && r.call === GOAL_CALL;
      return {
        policy: r.policy,
        label: c.label,
        call: r.call,
        meanUs: round(r.meanUs),
        medianRepeatUs: round(r.medianRepeatUs),
        p50Us: round(r.p50Us),
        p99Us: round(r.p99Us),
        tsActUs: r.call === GOAL_CALL ? round(tsUs.get(r.policy)!) : null,
        goal: isGoal ? (r.meanUs <= GOAL_US ? "met" : "MISSED") : "",
      };
    });
    const load = os.loadavg()[0] ?? 0;
    const md = saveResults("pyact", {
      title: "Python policy act() per call (numpy runtime, batch 1)",
      rows,
      columns: [
        { key: "label", header: "policy (hidden [64, 64] relu)" },
        { key: "call" },
        { key: "meanUs", header: "mean µs/call (best repeat)" },
        { key: "medianRepeatUs", header: "median repeat µs" },
        { key: "p50Us", header: "p50 µs" },
        { key: "p99Us", header: "p99 µs" },
        { key: "tsActUs", header: "TypeScript act µs" },
        { key: "goal", header: `goal ≤ ${GOAL_US} µs` },
      ],
      notes: [
        `Python ${py.python}, numpy ${py.numpy}; one process, ${CASES.length} freshly initialised policies (timing does not depend on the weights).`,
        `Goal (issue 16): deterministic act() of the default MLP ≤ ${GOAL_US} µs per call, read from the mean of the best of 5 repeats (~0.25 s each); p50/p99 time single calls (timer overhead included).`,
        "act() of a single-network categorical or Gaussian policy takes a fast path (deterministic or sampled; no batch bookkeeping, no uncertainty); act_batch, act_info, ensembles and the other heads run the general batched path.",
        `1-minute load average at the end of the run: ${load.toFixed(2)} on ${os.cpus().length} cores (other work on the machine inflates every figure).`,
        "TypeScript act: trainer/policy Policy.act (plain JavaScript forward pass, with uncertainty) on the same blob in Node.",
      ],
      extra: { python: py.python, numpy: py.numpy },
    });
    console.log(md);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
