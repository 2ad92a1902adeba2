/** Builds the head for a policy spec. Browser-safe. */
import { type TActionSpace, type THeadConfig } from "../../../contracts/policy-spec";
import { actionDim, checkHeadFits } from "../spec";
import { autoregressiveHead } from "./autoregressive";
import { categoricalHead } from "./categorical";
import { cvaeHead } from "./cvae";
import { diffusionHead } from "./diffusion";
import { gaussianHead } from "./gaussian";
import { mogHead } from "./mog";
import type { PolicyHead } from "./types";

export type { PolicyHead, NetShape, ExtraParam, HeadOutput } from "./types";

export function createHead(obsDim: number, space: TActionSpace, head: THeadConfig): PolicyHead {
  checkHeadFits(head, space);
  const d = actionDim(space);
  switch (head.kind) {
    case "categorical":
      return categoricalHead(obsDim, space.type === "discrete" ? space.n : 0);
    case "gaussian":
      return gaussianHead(obsDim, d, head.variance);
    case "mog":
      return mogHead(obsDim, d, head.components);
    case "autoregressive":
      return autoregressiveHead(obsDim, d, head.bins);
    case "cvae":
      return cvaeHead(obsDim, d, head);
    case "diffusion":
      return diffusionHead(obsDim, d, head);
  }
}
