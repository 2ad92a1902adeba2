/** Types of lerobot-data-writer.mjs (plain JavaScript: it runs in a worker thread without a TypeScript loader). */
import type { DataWriterOptions, DataWriterSummary, FeatureStatsJson, SamplePage } from "../../contracts/dataset-writer-protocol";

export declare class FeatureStats {
  add(x: ArrayLike<number>): void;
  toJSON(): FeatureStatsJson;
}

export declare class LeRobotDataWriter {
  constructor(options: DataWriterOptions);
  writePage(page: SamplePage): void;
  finish(): DataWriterSummary;
}
