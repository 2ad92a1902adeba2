"use client";

/**
 * Fetches and decodes the pictures of a claimed state before it is shown — every camera of an image
 * observation and the step's own frame — so that submitting a label swaps in a state whose images are already
 * in the browser's memory cache: the `<img>` elements of the next state paint from it instead of waiting for
 * the network. The frames route answers `immutable`, so a picture is fetched once per page.
 */
import type { TNextTask } from "@/contracts/rounds";

/** Decoded images held alive (oldest dropped first): a few seconds of a fast labeller's queue, 8 cameras each. */
const MAX_HELD = 512;
const held = new Map<string, HTMLImageElement>();

/** The URLs of the pictures shown for a task's state: its frame and each camera's frame, each once. */
export function stateFrameUrls(task: TNextTask): string[] {
  const urls = new Set<string>();
  if (task.state.frameUrl) urls.add(task.state.frameUrl);
  for (const c of task.state.cameras) urls.add(c.url);
  return [...urls];
}

/** Starts fetching and decoding the pictures of `task`'s state (no-op for a state without pictures). */
export function prefetchStateFrames(task: TNextTask): void {
  if (typeof Image === "undefined") return;
  for (const url of stateFrameUrls(task)) {
    if (held.has(url)) continue;
    const img = new Image();
    img.decoding = "async";
    img.src = url;
    // A failed fetch is shown (and reported) by the <img> on screen when the state comes up; nothing to do here.
    img.decode().catch(() => held.delete(url));
    held.set(url, img);
    if (held.size > MAX_HELD) held.delete(held.keys().next().value!);
  }
}
