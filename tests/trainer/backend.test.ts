/**
 * Backend selection: environment parsing, the WebGPU probe's fallback on a machine without a real GPU
 * adapter, an explicit request, and "once per process".
 */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { currentBackend, probeWebGpu, readBackendEnv, selectBackend } from "../../trainer/backend";

describe("backend selection", () => {
  it("parses TRAINER_BACKEND (with aliases) and rejects unknown values", () => {
    expect(readBackendEnv({}).TRAINER_BACKEND).toBeUndefined();
    expect(readBackendEnv({ TRAINER_BACKEND: "wasm" }).TRAINER_BACKEND).toBe("wasm");
    expect(readBackendEnv({ TRAINER_BACKEND: "tfjs-node-gpu" }).TRAINER_BACKEND).toBe("tensorflow-gpu");
    expect(readBackendEnv({ TRAINER_BACKEND: "node" }).TRAINER_BACKEND).toBe("tensorflow");
    expect(readBackendEnv({ TRAINER_WASM_MATMUL_FIX: "0" }).TRAINER_WASM_MATMUL_FIX).toBe(false);
    expect(() => readBackendEnv({ TRAINER_BACKEND: "cuda" })).toThrow(/TRAINER_BACKEND is one of auto, tensorflow-gpu/);
  });

  it("the WebGPU probe either finds a real adapter or says why not (null or software adapter)", async () => {
    const probe = await probeWebGpu();
    if (typeof probe === "string") {
      // This is what a machine without a GPU gives (the case on the 2-core dev box).
      expect(probe).toMatch(/requestAdapter\(\) returned null|software adapter|failed to load/);
    } else {
      expect(probe.software).toBe(false);
      expect(`${probe.vendor}${probe.device}${probe.description}`.length).toBeGreaterThan(0);
    }
  });

  it("an explicit request wins, falls down the chain when unavailable, and is decided once per process", async () => {
    const logs: string[] = [];
    const info = await selectBackend({ prefer: "tensorflow", log: (m) => logs.push(m) });
    // tfjs-node is an optional dependency: where it is missing, the chain continues with wasm.
    if (info.name !== "tensorflow") {
      expect(info.name).toBe("wasm");
      expect(info.attempts[0]).toMatchObject({ backend: "tensorflow", ok: false });
      expect(logs.some((l) => l.includes("requested backend tensorflow is not available"))).toBe(true);
    }
    expect(info.requested).toBe("tensorflow");
    expect(tf.getBackend()).toBe(info.tfBackend);
    expect(logs.some((l) => l.startsWith("[trainer] backend:"))).toBe(true);
    const again = await selectBackend({ prefer: "cpu" });
    expect(again).toBe(info);
    expect(currentBackend()).toBe(info);
  });
});
