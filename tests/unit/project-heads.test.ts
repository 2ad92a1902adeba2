/**
 * Every policy head in the project settings contract maps to a trainer head the env accepts: the
 * settings schema takes it, the project spec resolves it (multimodal for all but the Gaussian), and
 * the train job's head config is a valid trainer head that trains and loads for a box env.
 */
import { describe, expect, it } from "vitest";
import { HEADS, ZProjectSettings } from "../../contracts/settings";
import type { Project } from "../../db/schema";
import { headConfig } from "../../server/jobs/handlers/train";
import { projectSpec } from "../../server/projects/project-spec";
import { ZHeadConfig, checkHeadFits } from "../../trainer/policy/spec";

const project = (envId: string, head: string): Project => ({ id: "p1", envId, config: { settings: { head } } }) as unknown as Project;

describe("project policy heads", () => {
  it("accepts cvae and diffusion like the other heads and rejects unknown ones", () => {
    expect(HEADS).toEqual(expect.arrayContaining(["cvae", "diffusion"]));
    for (const head of [...HEADS, "auto"]) expect(ZProjectSettings.parse({ head }).head).toBe(head);
    expect(ZProjectSettings.safeParse({ head: "transformer" }).success).toBe(false);
  });

  it("resolves each box head to a trainer head config that fits the env's action space", () => {
    for (const head of HEADS.filter((h) => h !== "categorical")) {
      const spec = projectSpec(project("Fork-v0", head));
      expect(spec.head).toBe(head);
      expect(spec.multimodalHead).toBe(head !== "gaussian");
      const cfg = headConfig(spec);
      expect(ZHeadConfig.parse(cfg)).toEqual(cfg);
      expect(cfg.kind).toBe(head);
      expect(() => checkHeadFits(cfg, spec.actionSpace as Parameters<typeof checkHeadFits>[1])).not.toThrow();
    }
    expect(headConfig(projectSpec(project("Fork-v0", "diffusion")))).toEqual({ kind: "diffusion", steps: 50, sampleSteps: 10, sampler: "ddim", schedule: "cosine" });
  });
});
