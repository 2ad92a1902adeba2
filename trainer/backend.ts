/**
 * tfjs backend selection for training, once per process (Node only — the browser never trains).
 *
 * Order in `auto` mode (first that works wins, every attempt is logged and reported):
 *   1. `tensorflow-gpu` — `@tensorflow/tfjs-node-gpu` (CUDA libtensorflow), an optional dependency;
 *   2. `webgpu` — `@tensorflow/tfjs-backend-webgpu` over the `webgpu` npm package (Dawn), only when a
 *      real (non-software) GPU adapter exists *and* the caller expects large batches (≥ 2048): every
 *      WebGPU step has ~15–20 ms of fixed CPU cost, so small batches are faster on wasm;
 *   3. `tensorflow` — `@tensorflow/tfjs-node` (CPU libtensorflow), an optional dependency;
 *   4. `wasm` — `@tensorflow/tfjs-backend-wasm` with SIMD, wasm files read from node_modules (no
 *      network), plus the transposed-MatMul kernel fix (see kernels/wasm-matmul.ts);
 *   5. `cpu` — pure JavaScript, always available, slowest.
 *
 * `TRAINER_BACKEND=<name>` (or the `prefer` option) tries that backend first; if it fails the chain
 * continues below it and the failure is logged and kept in `attempts`.
 * `TRAINER_WASM_MATMUL_FIX=0` keeps the stock wasm MatMul kernels (benchmarks only).
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import path from "node:path";
import { z } from "zod";
import type { TBackendAttempt, TBackendInfo, TGpuAdapterSummary } from "../contracts/trainer-protocol";
import { installWasmMatMulFix, isWasmMatMulFixInstalled, uninstallWasmMatMulFix } from "./kernels/wasm-matmul";

import { TRAINER_BACKENDS, type TrainerBackendName } from "../contracts/trainer-protocol";

/** Smallest batch for which `auto` considers WebGPU worth it (measured on an H100: see docs/TRAINER.md). */
export const WEBGPU_MIN_BATCH = 2048;

export type BackendAttempt = TBackendAttempt;
export type GpuAdapterSummary = TGpuAdapterSummary;
/** The backend a process trains on; reported with every training result and benchmark (schema in protocol.ts). */
export type BackendInfo = TBackendInfo;

export interface SelectBackendOptions {
  /** Overrides `TRAINER_BACKEND`. */
  readonly prefer?: "auto" | TrainerBackendName;
  /** Typical training batch size: WebGPU is only considered in `auto` mode when ≥ {@link WEBGPU_MIN_BATCH}. */
  readonly expectedBatchSize?: number;
  /** Install the wasm MatMul fix (default true, or `TRAINER_WASM_MATMUL_FIX`). */
  readonly wasmMatMulFix?: boolean;
  /** Where selection messages go (default `console.error`, so stdout stays clean for JSON output). */
  readonly log?: (message: string) => void;
}

const ZBackendEnv = z.object({
  TRAINER_BACKEND: z
    .enum(["auto", ...TRAINER_BACKENDS, "tfjs-node-gpu", "tfjs-node", "node-gpu", "node"])
    .optional()
    .transform((v): "auto" | TrainerBackendName | undefined => {
      if (v === "tfjs-node-gpu" || v === "node-gpu") return "tensorflow-gpu";
      if (v === "tfjs-node" || v === "node") return "tensorflow";
      return v;
    }),
  TRAINER_WASM_MATMUL_FIX: z
    .enum(["0", "1", "true", "false"])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "1" || v === "true")),
});

/** Reads the trainer's environment variables (fails fast with a readable message on a bad value). */
export function readBackendEnv(env: Readonly<Record<string, string | undefined>> = process.env): z.output<typeof ZBackendEnv> {
  const parsed = ZBackendEnv.safeParse({
    TRAINER_BACKEND: env["TRAINER_BACKEND"] || undefined,
    TRAINER_WASM_MATMUL_FIX: env["TRAINER_WASM_MATMUL_FIX"] || undefined,
  });
  if (!parsed.success) {
    throw new Error(
      `Bad trainer environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}` +
        ` (TRAINER_BACKEND is one of auto, ${TRAINER_BACKENDS.join(", ")})`,
    );
  }
  return parsed.data;
}

let selection: Promise<BackendInfo> | null = null;
let selected: BackendInfo | null = null;

/**
 * Picks and activates the training backend. The first call decides for the whole process (options of
 * later calls are ignored); every call returns the same info.
 */
export function selectBackend(options: SelectBackendOptions = {}): Promise<BackendInfo> {
  if (selection === null) {
    selection = runSelection(options).then((info) => {
      selected = info;
      return info;
    });
  }
  return selection;
}

/** The backend chosen by {@link selectBackend}, or null before it finished. */
export function currentBackend(): BackendInfo | null {
  return selected;
}

async function runSelection(options: SelectBackendOptions): Promise<BackendInfo> {
  const t0 = performance.now();
  const env = readBackendEnv();
  const log = options.log ?? ((m: string) => console.error(m));
  const requested = options.prefer ?? env.TRAINER_BACKEND ?? "auto";
  const matMulFix = options.wasmMatMulFix ?? env.TRAINER_WASM_MATMUL_FIX ?? true;
  const largeBatch = (options.expectedBatchSize ?? 0) >= WEBGPU_MIN_BATCH;

  let order: TrainerBackendName[] = [...TRAINER_BACKENDS];
  if (requested !== "auto") {
    // The requested one first, then the usual chain *below* it (never "up" to a heavier backend).
    order = TRAINER_BACKENDS.slice(TRAINER_BACKENDS.indexOf(requested));
  }
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    if (name === "webgpu" && requested === "auto" && !largeBatch) {
      attempts.push({ backend: name, ok: false, reason: `skipped: expected batch < ${WEBGPU_MIN_BATCH}`, ms: 0 });
      continue;
    }
    const result = await loadBackend(name, { wasmMatMulFix: matMulFix });
    attempts.push(result.attempt);
    if (!result.attempt.ok) {
      if (requested === name) log(`[trainer] requested backend ${name} is not available: ${result.attempt.reason}`);
      continue;
    }
    const info: BackendInfo = {
      name,
      tfBackend: tf.getBackend(),
      requested,
      detail: result.detail,
      ...(result.wasmSimd === undefined ? {} : { wasmSimd: result.wasmSimd }),
      ...(name === "wasm" ? { wasmMatMulFix: isWasmMatMulFixInstalled() } : {}),
      ...(result.adapter === undefined ? {} : { adapter: result.adapter }),
      attempts,
      tfjsVersion: tf.version.tfjs,
      initMs: Math.round(performance.now() - t0),
    };
    log(`[trainer] backend: ${info.detail} (requested ${requested}; ${describeAttempts(attempts)})`);
    return info;
  }
  throw new Error(`No tfjs backend could be started: ${describeAttempts(attempts)}`);
}

function describeAttempts(attempts: readonly BackendAttempt[]): string {
  return attempts.map((a) => (a.ok ? `${a.backend} ok` : `${a.backend}: ${a.reason}`)).join("; ");
}

export interface LoadedBackend {
  readonly attempt: BackendAttempt;
  readonly detail: string;
  readonly wasmSimd?: boolean;
  readonly adapter?: GpuAdapterSummary;
}

/**
 * Loads and activates one backend, without the once-per-process caching of {@link selectBackend}.
 * Benchmarks use it to measure several backends in one process.
 */
export async function loadBackend(
  name: TrainerBackendName,
  options: { wasmMatMulFix?: boolean } = {},
): Promise<LoadedBackend> {
  const t0 = performance.now();
  const fail = (reason: string): LoadedBackend => ({
    attempt: { backend: name, ok: false, reason, ms: Math.round(performance.now() - t0) },
    detail: "",
  });
  const ok = (detail: string, extra: Partial<LoadedBackend> = {}): LoadedBackend => ({
    attempt: { backend: name, ok: true, ms: Math.round(performance.now() - t0) },
    detail,
    ...extra,
  });
  try {
    switch (name) {
      case "tensorflow-gpu":
      case "tensorflow": {
        const pkg = name === "tensorflow-gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
        const loaded = requireOptional(pkg);
        if (loaded !== true) return fail(loaded);
        if (!(await tf.setBackend("tensorflow"))) return fail(`${pkg} loaded but setBackend("tensorflow") failed`);
        await tf.ready();
        return ok(name === "tensorflow-gpu" ? "tfjs-node-gpu (libtensorflow, CUDA)" : "tfjs-node (libtensorflow, CPU)");
      }
      case "webgpu": {
        const probe = await probeWebGpu();
        if (typeof probe === "string") return fail(probe);
        await import("@tensorflow/tfjs-backend-webgpu");
        if (tf.findBackendFactory("webgpu") === null) return fail("tfjs-backend-webgpu did not register (no navigator.gpu)");
        if (!(await tf.setBackend("webgpu"))) return fail('setBackend("webgpu") failed');
        await tf.ready();
        return ok(`webgpu (${probe.description || probe.device || probe.vendor}, ${probe.architecture || "?"})`, {
          adapter: probe,
        });
      }
      case "wasm": {
        const wasm = await import("@tensorflow/tfjs-backend-wasm");
        if (!wasmPathsSet) {
          wasm.setWasmPaths(localWasmFiles(), false);
          wasmPathsSet = true;
        }
        if (!(await tf.setBackend("wasm"))) return fail('setBackend("wasm") failed');
        await tf.ready();
        const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
        const fix = options.wasmMatMulFix ?? true;
        if (fix) installWasmMatMulFix();
        else uninstallWasmMatMulFix();
        const fixed = isWasmMatMulFixInstalled();
        return ok(`wasm (${simd ? "SIMD" : "no SIMD"}${fixed ? ", MatMul fix" : ", stock MatMul"})`, { wasmSimd: simd });
      }
      case "cpu": {
        if (!(await tf.setBackend("cpu"))) return fail('setBackend("cpu") failed');
        await tf.ready();
        return ok("cpu (pure JavaScript)");
      }
    }
  } catch (err) {
    return fail(err instanceof Error ? err.message.split("\n")[0] ?? String(err) : String(err));
  }
}

let wasmPathsSet = false;

/** Absolute paths of the wasm binaries inside node_modules, so nothing is fetched from a CDN. */
function localWasmFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  // The package's main entry is dist/tf-backend-wasm.node.js; the .wasm files sit beside it.
  const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
  return {
    "tfjs-backend-wasm.wasm": path.join(dist, "tfjs-backend-wasm.wasm"),
    "tfjs-backend-wasm-simd.wasm": path.join(dist, "tfjs-backend-wasm-simd.wasm"),
    "tfjs-backend-wasm-threaded-simd.wasm": path.join(dist, "tfjs-backend-wasm-threaded-simd.wasm"),
  };
}

/** `require`s an optional native package; true on success, otherwise why not. */
function requireOptional(pkg: string): true | string {
  const require = createRequire(import.meta.url);
  try {
    require.resolve(pkg);
  } catch {
    return `${pkg} is not installed (optional dependency; its install needs internet to fetch libtensorflow)`;
  }
  try {
    require(pkg);
    return true;
  } catch (err) {
    return `${pkg} failed to load: ${err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err)}`;
  }
}

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render|microsoft basic/i;

/**
 * Sets up `navigator.gpu` from the `webgpu` package (Dawn) and asks for an adapter.
 * Returns the adapter summary, or why WebGPU cannot be used: no adapter (`requestAdapter()` → null,
 * the normal case on a machine without a GPU) or a software/fallback adapter (15× slower than wasm).
 */
export async function probeWebGpu(): Promise<GpuAdapterSummary | string> {
  let webgpu: { create: (options: string[]) => GPU; globals: object };
  try {
    webgpu = (await import("webgpu")) as unknown as typeof webgpu;
  } catch (err) {
    return `webgpu package failed to load: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
  }
  const g = globalThis as Record<string, unknown>;
  for (const [key, value] of Object.entries(webgpu.globals)) {
    if (!(key in g)) g[key] = value;
  }
  const gpu = webgpu.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (adapter === null) return "requestAdapter() returned null (no GPU adapter on this machine)";
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const fallbackFlag = Boolean(
    (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (info as unknown as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter,
  );
  const summary: GpuAdapterSummary = {
    vendor: info?.vendor ?? "",
    architecture: info?.architecture ?? "",
    device: info?.device ?? "",
    description: info?.description ?? "",
    software: false,
  };
  const text = `${summary.vendor} ${summary.architecture} ${summary.device} ${summary.description}`;
  if (fallbackFlag || SOFTWARE_ADAPTER.test(text)) {
    return `only a software adapter (${text.trim() || "fallback"}): ~15x slower than wasm, not used`;
  }
  // tfjs-backend-webgpu registers itself on import only when navigator.gpu exists.
  const nav = (g["navigator"] as Record<string, unknown> | undefined) ?? {};
  Object.defineProperty(globalThis, "navigator", {
    value: Object.assign(Object.create(nav) as object, { gpu }),
    configurable: true,
    writable: true,
  });
  return summary;
}

/** A {@link BackendInfo} for a backend activated with {@link loadBackend} (benchmarks). */
export function backendInfoFromLoad(name: TrainerBackendName, loaded: LoadedBackend): BackendInfo {
  return {
    name,
    tfBackend: tf.getBackend(),
    requested: name,
    detail: loaded.detail,
    ...(loaded.wasmSimd === undefined ? {} : { wasmSimd: loaded.wasmSimd }),
    ...(name === "wasm" ? { wasmMatMulFix: isWasmMatMulFixInstalled() } : {}),
    ...(loaded.adapter === undefined ? {} : { adapter: loaded.adapter }),
    attempts: [loaded.attempt],
    tfjsVersion: tf.version.tfjs,
    initMs: loaded.attempt.ms,
  };
}
