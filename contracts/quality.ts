/** Labeller quality: gold accuracy, agreement with consensus, speed; the gold pool; warnings. */
import { z } from "zod";

const ZActionValue = z.union([z.number().finite(), z.array(z.number().finite()).min(1).max(4096)]);

export const ZQualitySettings = z
  .object({
    /** A labeller whose gold accuracy in a round is below this gets a warning (page + audit entry). */
    goldAccuracyThreshold: z.number().min(0).max(1).default(0.8),
    /** Gold answers a labeller must have given in a round before a warning can fire. */
    minGoldLabels: z.int().min(1).max(1000).default(3),
  })
  .strict();
export type TQualitySettings = z.infer<typeof ZQualitySettings>;
export const QUALITY_DEFAULTS: TQualitySettings = ZQualitySettings.parse({});

export const ZMarkGold = z.object({ stateId: z.uuid(), action: ZActionValue }).strict();
export type TMarkGold = z.infer<typeof ZMarkGold>;

/** `POST …/gold/apply`: at most `limit` pool states join the open round. */
export const ZApplyGold = z.object({ limit: z.int().min(1).max(10_000).default(1000) }).strict();

export interface TLabelerQuality {
  userId: string;
  name: string;
  email: string;
  labels: number;
  cantTell: number;
  goldTotal: number;
  goldCorrect: number;
  /** goldCorrect / goldTotal over aggregated rounds, null without gold answers. */
  goldAccuracy: number | null;
  consensusTotal: number;
  consensusAgree: number;
  /** Share of the labeller's labels that matched the accepted consensus (aggregated rounds). */
  agreement: number | null;
  /** Labels per hour of active labelling (gaps over 5 minutes between labels do not count as active). */
  labelsPerHour: number | null;
  /** Mean time spent per label as reported by the labelling client. */
  meanMsPerLabel: number | null;
  /** Gold accuracy per aggregated round, oldest first. */
  rounds: { roundIndex: number; labels: number; goldTotal: number; goldCorrect: number; goldAccuracy: number | null }[];
}

export interface TQualityWarning {
  userId: string;
  name: string;
  roundIndex: number;
  goldAccuracy: number;
  goldTotal: number;
  threshold: number;
}

export interface TGoldEntry {
  stateId: string;
  action: number | number[];
  /** Round of the state's own rollout. */
  roundIndex: number;
  t: number;
  /** Whether the open labelling round has a gold task on this state. */
  inOpenRound: boolean;
  /** Labels given on gold tasks of this state, and how many matched. */
  answered: number;
  correct: number;
}

export interface TQuality {
  settings: TQualitySettings;
  labelers: TLabelerQuality[];
  warnings: TQualityWarning[];
  gold: TGoldEntry[];
  openRoundIndex: number | null;
}

export interface TGoldApplied {
  roundIndex: number;
  added: number;
}
