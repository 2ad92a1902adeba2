/** Types of lerobot-data-writer.mjs (plain JavaScript: it runs in a worker thread without a TypeScript loader). */
import type { SchemaElement } from "hyparquet";
import type { LeRobotFeature } from "./lerobot-layout";
import type { SamplePage } from "./sample-pages";

export interface DataWriterOptions {
  dataFile: string;
  episodesFile: string;
  features: Array<[string, LeRobotFeature]>;
  /** `parquetSchema(features, {imageKey})` (lerobot-layout.ts). */
  dataSchema: SchemaElement[];
  /** `episodesSchema(episodeStatColumns)` (lerobot-layout.ts). */
  episodesSchema: SchemaElement[];
  /** `EPISODE_STAT_COLUMNS` (lerobot-layout.ts): `stats/<feature>/<stat>`. */
  episodeStatColumns: string[];
  imageKey: string;
  fps: number;
  task: string;
}

export interface FeatureStatsJson {
  min: number[];
  max: number[];
  mean: number[];
  std: number[];
  count: number[];
}

export interface DataWriterSummary {
  episodes: number;
  frames: number;
  /** `meta/stats.json`: per numeric feature. */
  stats: Record<string, FeatureStatsJson>;
}

export declare class FeatureStats {
  add(x: ArrayLike<number>): void;
  toJSON(): FeatureStatsJson;
}

export declare class LeRobotDataWriter {
  constructor(options: DataWriterOptions);
  writePage(page: SamplePage): void;
  finish(): DataWriterSummary;
}
