/**
 * The JSONL import's reader (server/datasets/parse-dataset-file.ts) takes the body as the pieces it is
 * decoded in: lines that run across pieces, `\r\n` split between two, blank lines and line numbers come out as
 * from the whole text, and pieces are pulled only as the lines are read.
 */
import { describe, expect, it } from "vitest";
import { jsonlPages, type JsonlCounts } from "../../server/datasets/parse-dataset-file";

const spaces = { observationSpace: { type: "box", shape: [2], low: [-1, -1], high: [1, 1] }, actionSpace: { type: "discrete", n: 2 } } as const;
const line = (i: number, action = i % 2) => JSON.stringify({ observation: [i / 100, 0], action, source: "expert", episode_index: Math.floor(i / 3), frame_index: i % 3 });

async function read(pieces: string | Iterable<string>, pageSize = 2) {
  const counts: JsonlCounts = { samples: 0, episodes: 0 };
  const pages = [];
  for await (const page of jsonlPages(pieces, spaces, counts, pageSize)) pages.push(page);
  return { pages, counts };
}

/** `text` cut into pieces of `size` characters. */
const cut = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, k) => text.slice(k * size, (k + 1) * size));

describe("jsonlPages", () => {
  const text = [line(0), line(1), "", line(2), line(3), line(4)].join("\r\n") + "\r\n\n";

  it("gives the same pages from any cut of the text as from the whole, pulling the pieces only as it reads them", async () => {
    const whole = await read(text);
    expect(whole.counts).toEqual({ samples: 5, episodes: 2 });
    expect(whole.pages.map((p) => p.length)).toEqual([2, 2, 1]);
    for (const size of [1, 2, 7, 50, text.length]) {
      expect(await read(cut(text, size))).toEqual(whole);
    }
    // Pulled lazily (the import's worker decodes a piece when it is pulled): the first page needs only the
    // pieces that hold its lines.
    const pieces = cut(text, 7);
    let pulled = 0;
    const first = await jsonlPages((function* () { for (const p of pieces) { pulled++; yield p; } })(), spaces, { samples: 0, episodes: 0 }, 2).next();
    expect(first.value).toHaveLength(2);
    expect(pulled).toBeLessThan(pieces.length / 2);
  });

  it("names the line of a bad sample wherever the pieces are cut", async () => {
    const bad = [line(0), "", line(1, 5)].join("\r\n");
    for (const size of [1, 3, bad.length]) {
      await expect(read(cut(bad, size))).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(/^line 3: action 5 is out of range/) });
    }
    await expect(read(["", "\n", "\r\n"])).rejects.toMatchObject({ message: "line 1: the file has no samples" });
  });

  it("reads plain lines without the schema and leaves the rest to it: defaults, trimming and unknown keys as the schema has them", async () => {
    const lines = [
      JSON.stringify({ observation: [0.5, 0], action: 1 }),
      JSON.stringify({ observation: [0.5, 0], action: 0, source: " label ", version: 2, episode_index: 4, frame_index: 7, state_id: null }),
    ].join("\n");
    const { pages } = await read(lines, 10);
    expect(pages.flat()).toEqual([
      { stateId: null, observation: [0.5, 0], action: 1, source: "import", episode: 0, frameIndex: 0 },
      { stateId: null, observation: [0.5, 0], action: 0, source: "label", episode: 4, frameIndex: 7 },
    ]);
    await expect(read(JSON.stringify({ observation: [0.5, 0], action: 1, extra: true }))).rejects.toMatchObject({ code: "UNPROCESSABLE", message: expect.stringMatching(/^line 1: .*extra/) });
    await expect(read(JSON.stringify({ observation: [0.5, 0], action: 1, frame_index: -1 }))).rejects.toMatchObject({ message: expect.stringMatching(/^line 1: frame_index/) });
  });
});

