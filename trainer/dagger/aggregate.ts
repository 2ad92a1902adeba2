/**
 * Aggregation: every labelled state of an arm so far → the arm's training pairs. Part of the loop
 * (loop.ts); pure — the same labels give the same dataset.
 */
import type { Action, Space } from "../../envs/index";
import { consensus } from "./labels";
import type { TDaggerConfig } from "./loop";
import { estimateReliability, type ReliabilityItem } from "./reliability";

/** Labels of one state, kept so that the arm's dataset can be re-aggregated (reliability re-estimates). */
export interface LabelledState {
  readonly observation: number[];
  /** A camera env's images of the state (rendered once, when labelled), by camera name. */
  readonly images?: Record<string, Uint8Array>;
  readonly item: ReliabilityItem;
}

/** Statistics of the newest labelled states. */
export interface LabelledBatch {
  accepted: number;
  review: number;
  agreementSum: number;
}

export interface ArmData {
  readonly observations: number[][];
  readonly actions: Action[];
  /** Per training pair, the state's images (camera envs only; empty otherwise). */
  readonly images: Record<string, Uint8Array>[];
}

export interface AggregateOptions {
  readonly aggregation: TDaggerConfig["aggregation"];
  readonly space: Space;
  readonly multimodal: boolean;
}

/**
 * Rebuilds an arm's dataset from every labelled state (reliability re-estimates the labellers'
 * accuracies from everything so far) and returns it with the newest `fresh` states' statistics.
 */
export function aggregateLabels(all: readonly LabelledState[], fresh: number, { aggregation, space, multimodal }: AggregateOptions): { data: ArmData; batch: LabelledBatch } {
  const batch: LabelledBatch = { accepted: 0, review: 0, agreementSum: 0 };
  const observations: number[][] = [];
  const actions: Action[] = [];
  const images: Record<string, Uint8Array>[] = [];
  const reliability = aggregation === "reliability" ? estimateReliability(all.map((s) => s.item), { space, multimodal }) : null;
  all.forEach((s, i) => {
    const given = s.item.labels.flatMap((l) => (l.action === null ? [] : [l.action]));
    let targets: Action[];
    let accepted: boolean;
    let agreement: number;
    if (reliability !== null) {
      const r = reliability.items[i] as (typeof reliability.items)[number];
      accepted = r.status === "accepted";
      targets = r.actions;
      agreement = r.confidence;
    } else if (aggregation === "all") {
      accepted = given.length > 0;
      targets = given;
      agreement = given.length / Math.max(1, s.item.labels.length);
    } else {
      const c = consensus(given, { space, multimodal });
      accepted = c.status === "accepted";
      targets = c.actions;
      agreement = c.agreement;
    }
    if (i >= all.length - fresh) {
      batch.agreementSum += agreement;
      if (accepted) batch.accepted++;
      else batch.review++;
    }
    if (!accepted) return;
    for (const a of targets) {
      observations.push(s.observation);
      actions.push(a);
      if (s.images) images.push(s.images);
    }
  });
  return { data: { observations, actions, images }, batch };
}
