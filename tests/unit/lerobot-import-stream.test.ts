/**
 * The LeRobot `.tar` import's reading side, without a database (server/datasets/parse-lerobot-tar.ts):
 *
 * - a row group larger than a page (pyarrow writes up to 1M rows per group) is read and decoded once per
 *   column chunk and cut into pages — counted through the AsyncBuffer's slices, not timed: decoding it slice by
 *   slice read every column chunk once per 5,000-row page (quadratic);
 * - the upload is spooled as it arrives (Parquet files on disk in a private folder, deleted by `dispose()`,
 *   and on a broken archive), an upload broken off mid-way surfaces its own error, and the first bad row of a
 *   later page is still named.
 */
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, type AsyncBuffer } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, describe, expect, it } from "vitest";
import { openLeRobotTar, parquetSamplePages, ROW_PAGE, spoolTar } from "../../server/datasets/parse-lerobot-tar";
import type { Spaces } from "../../server/datasets/parse-dataset-file";
import type { DatasetSampleInput } from "../../server/datasets/write-version";
import { act, lerobotRowFile, obs, ROW_SPACES, ROWS_INFO } from "../helpers/lerobot-rows";
import { packTar } from "../helpers/tar-bytes";

const ROWS = 12_000; // one row group: three pages of at most ROW_PAGE (5,000)
const spaces = ROW_SPACES as unknown as Spaces;
const oneGroupFile = (rows: number, badRow?: number) => lerobotRowFile(rows, { badRow });

/** An AsyncBuffer over `bytes` that counts what hyparquet reads from it. */
function countingBuffer(bytes: Uint8Array) {
  const reads = { calls: 0, bytes: 0 };
  const file: AsyncBuffer = {
    byteLength: bytes.byteLength,
    slice(start: number, end?: number) {
      const stop = end ?? bytes.byteLength;
      reads.calls++;
      reads.bytes += stop - start;
      return bytes.slice(start, stop).buffer;
    },
  };
  return { file, reads };
}

async function collect(pages: AsyncIterable<DatasetSampleInput[]>): Promise<DatasetSampleInput[][]> {
  const out: DatasetSampleInput[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** `bytes` as an upload arriving in 64 KiB chunks. */
async function* chunked(bytes: Uint8Array, size = 65_536): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) {
    await Promise.resolve();
    yield bytes.subarray(at, at + size);
  }
}

const INFO = ROWS_INFO;
const PATH = "data/chunk-000/file-000.parquet";
const spoolRoot = mkdtempSync(join(tmpdir(), "lerobot-spool-test-"));
afterAll(() => rm(spoolRoot, { recursive: true, force: true }));

describe("a LeRobot row group larger than a page", () => {
  it("is decoded once per column chunk and cut into pages with the right values", async () => {
    const bytes = oneGroupFile(ROWS);
    const metadata = parquetMetadata(bytes.slice().buffer);
    expect(metadata.row_groups).toHaveLength(1);
    const { file, reads } = countingBuffer(bytes);
    const pages = await collect(parquetSamplePages(PATH, file, metadata, spaces));

    expect(pages.map((p) => p.length)).toEqual([ROW_PAGE, ROW_PAGE, ROWS - 2 * ROW_PAGE]);
    const rows = pages.flat();
    for (const i of [0, 1, 4_999, 5_000, 9_999, 10_000, ROWS - 1]) {
      const s = rows[i] as DatasetSampleInput;
      expect(s.observation).toEqual(obs(i));
      expect(s.action).toEqual(act(i));
      expect([s.episode, s.frameIndex, s.source]).toEqual([Math.floor(i / 100), i % 100, "import"]);
    }
    // Each of the four column chunks is read once: at most one slice per column, never more bytes than the
    // file holds (slice by slice, three pages read every chunk three times).
    expect(reads.calls).toBeLessThanOrEqual(4);
    expect(reads.bytes).toBeLessThanOrEqual(bytes.byteLength);
  });

  it("names the first bad row of a later page", async () => {
    const bytes = oneGroupFile(ROWS, 7_321);
    const metadata = parquetMetadata(bytes.slice().buffer);
    const { file } = countingBuffer(bytes);
    await expect(collect(parquetSamplePages(PATH, file, metadata, spaces))).rejects.toMatchObject({
      code: "UNPROCESSABLE",
      message: expect.stringMatching(new RegExp(`^${PATH} row 7322: action`)),
    });
  });
});

describe("rows outside the plain case", () => {
  it("are left to the row schema, which words the problem (a NaN, a negative frame index)", async () => {
    const file = (observation: number[][], frames: bigint[]) =>
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: "observation.state", data: observation },
            { name: "action", data: observation.map(() => [0.5, 0.5]) },
            { name: "frame_index", data: frames, type: "INT64" },
          ],
        }),
      );
    const read = (bytes: Uint8Array) => collect(parquetSamplePages(PATH, countingBuffer(bytes).file, parquetMetadata(bytes.slice().buffer), spaces));
    await expect(read(file([[1, 2, 3], [1, 2, 3], [1, Number.NaN, 3]], [0n, 1n, 2n]))).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(new RegExp(`^${PATH} row 3: observation\\.state`)) });
    await expect(read(file([[1, 2, 3], [1, 2, 3]], [0n, -1n]))).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(new RegExp(`^${PATH} row 2: frame_index`)) });
    const ok = (await read(file([[1, 2, 3]], [4n]))).flat();
    expect(ok).toEqual([{ stateId: null, observation: [1, 2, 3], action: [0.5, 0.5], source: "import", episode: 0, frameIndex: 4 }]);
  });
});

describe("a .tar upload spooled as it arrives", () => {
  it("reads the samples from spooled files and deletes them once disposed", async () => {
    const body = await packTar({ "meta/info.json": INFO, [PATH]: oneGroupFile(ROWS) });
    const dir = join(spoolRoot, "ok");
    const source = await openLeRobotTar({ body: chunked(body), spoolDir: dir }, spaces);
    expect(source.samples).toBe(ROWS);
    const [folder] = readdirSync(dir);
    expect(readdirSync(join(dir, folder as string))).toEqual(["0.parquet"]);
    const rows = (await collect(source.pages())).flat();
    expect(rows).toHaveLength(ROWS);
    expect(rows[ROWS - 1]?.observation).toEqual(obs(ROWS - 1));
    expect(source.episodes).toBe(ROWS / 100);
    await source.dispose();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("keeps nothing on disk when the archive is refused, and lets an upload's own error through", async () => {
    const dir = join(spoolRoot, "refused");
    const noInfo = await packTar({ [PATH]: oneGroupFile(10) });
    await expect(openLeRobotTar({ body: chunked(noInfo), spoolDir: dir }, spaces)).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(/meta\/info.json is missing/) });
    const notParquet = await packTar({ "meta/info.json": INFO, [PATH]: new TextEncoder().encode("just text") });
    await expect(openLeRobotTar({ body: chunked(notParquet), spoolDir: dir }, spaces)).rejects.toMatchObject({ message: expect.stringMatching(/not a Parquet file/) });
    await expect(openLeRobotTar({ body: [new TextEncoder().encode("{}")], spoolDir: dir }, spaces)).rejects.toMatchObject({ message: expect.stringMatching(/not a .tar/) });

    const whole = await packTar({ "meta/info.json": INFO, [PATH]: oneGroupFile(ROWS) });
    async function* brokenOff() {
      yield whole.subarray(0, 100_000);
      throw Object.assign(new Error("Body larger than 64 KiB"), { code: "PAYLOAD_TOO_LARGE" });
    }
    await expect(openLeRobotTar({ body: brokenOff(), spoolDir: dir }, spaces)).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it("drops one top folder holding meta/ and keeps only metadata and Parquet files", async () => {
    const body = await packTar({ "top/meta/info.json": INFO, [`top/${PATH}`]: oneGroupFile(10), "top/videos/x.mp4": new Uint8Array(2048) });
    const spooled = await spoolTar(chunked(body, 700), join(spoolRoot, "top"));
    expect([...spooled.meta.keys()]).toEqual(["meta/info.json"]);
    expect([...spooled.parquet.keys()]).toEqual([PATH]);
    await spooled.dispose();
  });
});
