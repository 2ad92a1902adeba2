/**
 * The dataset import's row worker (server/datasets/import-rows.ts, import-rows-worker.ts, run bundled by
 * server/worker-bundle.ts), without a database:
 *
 * - a `.tar`'s rows come back as insert JSON with the same values, in the same order, as the in-thread reader
 *   gives them, whatever the batch sizes asked, and the worker's checksum, counts by source and episodes are
 *   those of the samples;
 * - a JSONL file's blocks move to the worker (detached here, not copied), cut anywhere, and read the same way;
 * - the first bad row or line is the same 422 the in-thread readers give, naming it.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startImportRows, type ImportRows } from "../../server/datasets/import-rows";
import type { Spaces } from "../../server/datasets/parse-dataset-file";
import { openLeRobotTar } from "../../server/datasets/parse-lerobot-tar";
import { addToChecksum, countBySource, EMPTY_CHECKSUM } from "../../server/datasets/version-content";
import type { DatasetSampleInput } from "../../server/datasets/write-version";
import { workerBundle } from "../../server/worker-bundle";
import { act, lerobotRowFile, obs, ROW_SPACES, ROWS_INFO } from "../helpers/lerobot-rows";
import { packTar } from "../helpers/tar-bytes";

const ROWS = 11_000;
const spaces = ROW_SPACES as unknown as Spaces;
const INFO = ROWS_INFO;
const PATH = "data/chunk-000/file-000.parquet";
const spoolRoot = mkdtempSync(join(tmpdir(), "import-rows-test-"));
afterAll(() => rm(spoolRoot, { recursive: true, force: true }));

const dataFile = (rows: number, badRow?: number) => lerobotRowFile(rows, { badRow, episodeLength: 250, rowGroupSize: 4_000, source: (i) => (i % 3 ? "label" : "expert") });

/** Every row the worker sends, asking for batches of the given sizes in turn. */
async function readAll(rows: ImportRows, sizes: number[]): Promise<{ rows: unknown[]; batches: number[] }> {
  const out: unknown[] = [];
  const batches: number[] = [];
  for (let i = 0; ; i++) {
    const batch = await rows.next(sizes[i % sizes.length] as number);
    if (!batch) break;
    const parsed = JSON.parse(new TextDecoder().decode(batch.json)) as unknown[];
    expect(parsed).toHaveLength(batch.count);
    batches.push(batch.count);
    out.push(...parsed);
  }
  return { rows: out, batches };
}

const asRow = (s: DatasetSampleInput) => ({ observation: s.observation, action: s.action, source: s.source, episode: s.episode, frame_index: s.frameIndex });

describe("the import's row worker", () => {
  it("sends a .tar's rows as insert JSON, as the in-thread reader reads them, with their checksum and counts", async () => {
    const source = await openLeRobotTar({ body: [await packTar({ "meta/info.json": INFO, [PATH]: dataFile(ROWS) })], spoolDir: spoolRoot }, spaces);
    try {
      const expected: DatasetSampleInput[] = [];
      for await (const page of source.pages()) expected.push(...page);
      const rows = await (source.rows as () => Promise<ImportRows>)();
      try {
        // Sizes lag one batch (the next is asked for while this one is inserted), and a batch stops where a page ends.
        const { rows: got, batches } = await readAll(rows, [777, 5_000, 1]);
        expect(got).toEqual(expected.map(asRow));
        expect(Math.max(...batches)).toBeLessThanOrEqual(5_000);
        expect(batches).toContain(1);
        expect(rows.summary).toEqual({ samples: ROWS, episodes: ROWS / 250, checksum: addToChecksum(EMPTY_CHECKSUM, expected), bySource: countBySource(null, expected) });
        expect(await rows.next(10)).toBeNull();
      } finally {
        await rows.close();
      }
    } finally {
      await source.dispose();
    }
  });

  it("names the first bad row of a .tar, as the in-thread reader does", async () => {
    const source = await openLeRobotTar({ body: [await packTar({ "meta/info.json": INFO, [PATH]: dataFile(ROWS, 9_876) })], spoolDir: spoolRoot }, spaces);
    const rows = await (source.rows as () => Promise<ImportRows>)();
    try {
      await expect(readAll(rows, [5_000])).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(new RegExp(`^${PATH} row 9877: action`)) });
    } finally {
      await rows.close();
      await source.dispose();
    }
  });

  it("takes a JSONL file's blocks (moved, not copied, cut anywhere) and reads its lines, naming the first bad one", async () => {
    const line = (i: number, action: number[]) => JSON.stringify({ observation: obs(i), action, source: "expert", episode_index: Math.floor(i / 10), frame_index: i % 10 });
    const good = new TextEncoder().encode(`${Array.from({ length: 25 }, (_, i) => line(i, act(i))).join("\r\n")}\r\n`);
    // Blocks cut anywhere (mid-line, between \r and \n), each on an ArrayBuffer of its own, as the import gathers them.
    const blocks = [0, 333, 334, 1500, good.byteLength].slice(1).map((end, k, ends) => good.slice(k === 0 ? 0 : ends[k - 1], end));
    const rows = await startImportRows({ format: "jsonl", blocks, spaces: { observationSpace: spaces.observationSpace, actionSpace: spaces.actionSpace } }, blocks.map((b) => b.buffer as ArrayBuffer));
    expect(blocks.map((b) => b.byteLength)).toEqual([0, 0, 0, 0]); // their memory is the worker's now
    try {
      const { rows: got } = await readAll(rows, [10]);
      expect(got).toEqual(Array.from({ length: 25 }, (_, i) => ({ observation: obs(i), action: act(i), source: "expert", episode: Math.floor(i / 10), frame_index: i % 10 })));
      expect(rows.summary).toMatchObject({ samples: 25, episodes: 3 });
    } finally {
      await rows.close();
    }

    const bad = new TextEncoder().encode([line(0, act(0)), line(1, [0.5]), line(2, act(2))].join("\n"));
    const refused = await startImportRows({ format: "jsonl", blocks: [bad], spaces: { observationSpace: spaces.observationSpace, actionSpace: spaces.actionSpace } }, [bad.buffer as ArrayBuffer]);
    try {
      await expect(readAll(refused, [10])).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(/^line 2: /) });
    } finally {
      await refused.close();
    }
  });
});

describe("a worker's bundle", () => {
  it("is one module under node_modules/.cache/corrective, named by its content, made once per process", async () => {
    const entry = "server/datasets/import-rows-worker.ts";
    const file = await workerBundle(entry);
    expect(file).toMatch(/node_modules\/\.cache\/corrective\/import-rows-worker\.[0-9a-f]{16}\.mjs$/);
    expect(existsSync(file)).toBe(true);
    const text = readFileSync(file, "utf8");
    // The project's sources are in it; packages stay imports that Node resolves from node_modules.
    expect(text).toContain("parquetSamplePages");
    expect(text).toMatch(/from "hyparquet"/);
    expect(await workerBundle(entry)).toBe(file);
  });
});
