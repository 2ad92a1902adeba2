"use client";

/**
 * Fetches and decodes the pictures of a step before it is shown — every camera of an image observation and the
 * step's own frame — so that the `<img>`s of the next state (a submit in the single-state labeller) or of the
 * next steps (a ride-along replay) paint from the browser's memory cache instead of waiting for the network.
 * The frames route answers `immutable`, so a picture is fetched once per page.
 */
import type { TCameraFrame } from "@/contracts/fields";

/** Decoded images held alive (oldest dropped first): a few seconds of a fast labeller's queue, 8 cameras each. */
const MAX_HELD = 512;
const held = new Map<string, HTMLImageElement>();

/** What a step shows: its own frame and each camera's (the state of a task, a context or ride-along step). */
export interface StepPictures {
  frameUrl: string | null;
  cameras: readonly TCameraFrame[];
}

/** The URLs of the pictures shown for `steps`, each once. */
export function stepFrameUrls(steps: readonly StepPictures[]): string[] {
  const urls = new Set<string>();
  for (const s of steps) {
    if (s.frameUrl) urls.add(s.frameUrl);
    for (const c of s.cameras) urls.add(c.url);
  }
  return [...urls];
}

/** Starts fetching and decoding the pictures of `steps` (no-op for steps without pictures, or outside a browser). */
export function prefetchFrames(steps: readonly StepPictures[]): void {
  if (typeof Image === "undefined") return;
  for (const url of stepFrameUrls(steps)) {
    if (held.has(url)) continue;
    const img = new Image();
    img.decoding = "async";
    img.src = url;
    // A failed fetch is shown (and reported) by the <img> on screen when the step comes up; nothing to do here.
    img.decode().catch(() => held.delete(url));
    held.set(url, img);
    if (held.size > MAX_HELD) held.delete(held.keys().next().value!);
  }
}
