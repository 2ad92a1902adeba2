/** Labeller quality: gold accuracy, agreement with consensus, speed; the gold pool; warnings. */
import { z } from "zod";
import { ZActionOut, zId } from "./fields";

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

/** The settings as the API answers them (`TQualitySettings`, the parsed request, has the same fields). */
export const ZQualitySettingsView = z.object({ goldAccuracyThreshold: z.number(), minGoldLabels: z.number() });
export type TQualitySettingsView = z.output<typeof ZQualitySettingsView>;

export const ZLabelerQuality = z.object({
  userId: zId(),
  name: z.string(),
  email: z.string(),
  labels: z.number(),
  cantTell: z.number(),
  goldTotal: z.number(),
  goldCorrect: z.number(),
  /** goldCorrect / goldTotal over aggregated rounds, null without gold answers. */
  goldAccuracy: z.number().nullable(),
  consensusTotal: z.number(),
  consensusAgree: z.number(),
  /** Share of the labeller's labels that matched the accepted consensus (aggregated rounds). */
  agreement: z.number().nullable(),
  /** Labels per hour of active labelling (gaps over 5 minutes between labels do not count as active). */
  labelsPerHour: z.number().nullable(),
  /** Mean time spent per label as reported by the labelling client. */
  meanMsPerLabel: z.number().nullable(),
  /** Gold accuracy per aggregated round, oldest first. */
  rounds: z.array(z.object({ roundIndex: z.number(), labels: z.number(), goldTotal: z.number(), goldCorrect: z.number(), goldAccuracy: z.number().nullable() })),
});
export type TLabelerQuality = z.output<typeof ZLabelerQuality>;

export const ZQualityWarning = z.object({ userId: zId(), name: z.string(), roundIndex: z.number(), goldAccuracy: z.number(), goldTotal: z.number(), threshold: z.number() });
export type TQualityWarning = z.output<typeof ZQualityWarning>;

export const ZGoldEntryView = z.object({
  stateId: zId(),
  action: ZActionOut,
  /** Round of the state's own rollout. */
  roundIndex: z.number(),
  t: z.number(),
  /** Whether the open labelling round has a gold task on this state. */
  inOpenRound: z.boolean(),
  /** Labels given on gold tasks of this state, and how many matched. */
  answered: z.number(),
  correct: z.number(),
});
export type TGoldEntry = z.output<typeof ZGoldEntryView>;

export const ZQualityView = z.object({
  settings: ZQualitySettingsView,
  labelers: z.array(ZLabelerQuality),
  warnings: z.array(ZQualityWarning),
  gold: z.array(ZGoldEntryView),
  openRoundIndex: z.number().nullable(),
});
export type TQuality = z.output<typeof ZQualityView>;

export const ZGoldAppliedView = z.object({ roundIndex: z.number(), added: z.number() });
export type TGoldApplied = z.output<typeof ZGoldAppliedView>;
export const ZGoldUnmarkedView = z.object({ stateId: zId(), gold: z.literal(false) });
export type TGoldUnmarked = z.output<typeof ZGoldUnmarkedView>;
