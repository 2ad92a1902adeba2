/**
 * A LeRobot data file (Parquet) of deterministic rows for the import's readers
 * (tests/unit/lerobot-import-stream.test.ts, tests/unit/import-rows.test.ts): a 3-d `observation.state`, a 2-d
 * `action` in [-1, 1] (`badRow`'s is out of bounds), episode and frame indices, and optionally
 * `corrective.source`.
 */
import { parquetWriteBuffer } from "hyparquet-writer";

export const obs = (i: number) => [i / 1000 - 5, Math.sin(i) * 3, (i % 7) - 3];
export const act = (i: number) => [Math.cos(i) / 2, ((i % 11) - 5) / 10];

/** The spaces those rows fit. */
export const ROW_SPACES = {
  observationSpace: { type: "box", shape: [3], low: [-10, -10, -10], high: [10, 10, 10] },
  actionSpace: { type: "box", shape: [2], low: [-1, -1], high: [1, 1] },
} as const;

/** `meta/info.json` of a v3.0 dataset of those rows. */
export const ROWS_INFO = new TextEncoder().encode(JSON.stringify({ codebase_version: "v3.0", fps: 10, features: { "observation.state": { dtype: "float64", shape: [3] }, action: { dtype: "float64", shape: [2] } } }));

export interface RowFileOptions {
  badRow?: number;
  /** Rows per episode (episode_index = row / this). */
  episodeLength?: number;
  /** Rows per row group; all in one group by default. */
  rowGroupSize?: number;
  /** Writes `corrective.source`: row i's is `source(i)`. */
  source?: (i: number) => string;
}

export function lerobotRowFile(rows: number, options: RowFileOptions = {}): Uint8Array {
  const range = Array.from({ length: rows }, (_, i) => i);
  const episode = options.episodeLength ?? 100;
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: "observation.state", data: range.map(obs) },
        { name: "action", data: range.map((i) => (i === options.badRow ? [5, 0] : act(i))) },
        { name: "episode_index", data: range.map((i) => BigInt(Math.floor(i / episode))), type: "INT64" },
        { name: "frame_index", data: range.map((i) => BigInt(i % episode)), type: "INT64" },
        ...(options.source ? [{ name: "corrective.source", data: range.map(options.source) }] : []),
      ],
      rowGroupSize: options.rowGroupSize ?? rows,
    }),
  );
}
