/**
 * Which pictures a step of an image observation shows (CameraViews) and prefetches (frame-prefetch): the cameras
 * in the order the payload gives (camera-key order, main camera first), a step's own extra picture first, each
 * URL once.
 */
import { describe, expect, it } from "vitest";
import { cameraTiles } from "../../app/_components/CameraViews";
import { stepFrameUrls } from "../../app/_components/workspace/frame-prefetch";

const cam = (camera: string, n: number) => ({ camera, frameId: `00000000-0000-4000-8000-00000000000${n}`, url: `/f/${n}` });

describe("camera pictures of a step", () => {
  it("shows the cameras in payload order, the main camera first, and the step's frame only when it is none of them", () => {
    const cameras = [cam("front", 1), cam("wrist", 2)];
    expect(cameraTiles(cameras, "/f/1")).toEqual([
      { key: "front", url: "/f/1" },
      { key: "wrist", url: "/f/2" },
    ]);
    expect(cameraTiles(cameras, "/f/9").map((t) => t.key)).toEqual(["frame", "front", "wrist"]);
    expect(cameraTiles([], "/f/9")).toEqual([{ key: "frame", url: "/f/9" }]);
  });

  it("prefetches every picture of the steps once", () => {
    const steps = [
      { frameUrl: "/f/1", cameras: [cam("front", 1), cam("wrist", 2)] },
      { frameUrl: null, cameras: [cam("front", 3), cam("wrist", 2)] },
      { frameUrl: null, cameras: [] },
    ];
    expect(stepFrameUrls(steps)).toEqual(["/f/1", "/f/2", "/f/3"]);
  });
});
