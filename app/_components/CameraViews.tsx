"use client";

/**
 * The images of one state of an image observation (a `Dict` space of up to 8 cameras), each as the policy saw
 * it: the main (first, in camera-key order) camera large, the others beside it in a column (two columns past
 * three of them), each captioned with its key. Frames are drawn pixel-exact — scaled by the browser with
 * `image-rendering: pixelated` and `object-fit: contain`, never smoothed or stretched out of shape — so a
 * 64×64 camera shows its 64×64 blocks. A step that carries its own picture for people (`frameUrl` that is
 * none of the cameras') shows it first, captioned "frame".
 */
import type { TCameraFrame } from "@/contracts/fields";

export interface CameraViewsProps {
  cameras: readonly TCameraFrame[];
  frameUrl: string | null;
  /** Accessible description of the state shown (e.g. "External state at step 4"). */
  label: string;
  /** On the main image (the one `EnvCanvas`'s frame image had). */
  testId?: string;
  dataKey?: string;
}

interface Tile {
  key: string;
  url: string;
}

export function cameraTiles(cameras: readonly TCameraFrame[], frameUrl: string | null): Tile[] {
  const tiles: Tile[] = cameras.map((c) => ({ key: c.camera, url: c.url }));
  if (frameUrl && !cameras.some((c) => c.url === frameUrl)) tiles.unshift({ key: "frame", url: frameUrl });
  return tiles;
}

export function CameraViews({ cameras, frameUrl, label, testId, dataKey }: CameraViewsProps) {
  const [main, ...others] = cameraTiles(cameras, frameUrl);
  if (!main) return null;
  return (
    <div className={others.length ? `camera-views with-side${others.length > 3 ? " wide-side" : ""}` : "camera-views"} data-testid="camera-views" data-cameras={cameras.length}>
      <figure className="camera main" data-camera={main.key}>
        <img className="camera-img" src={main.url} alt={`${label}, camera ${main.key}`} data-testid={testId} data-key={dataKey} data-camera={main.key} />
        <figcaption>{main.key}</figcaption>
      </figure>
      {others.length > 0 && (
        <div className="camera-side">
          {others.map((t) => (
            <figure key={t.key} className="camera" data-camera={t.key}>
              <img className="camera-img" src={t.url} alt={`${label}, camera ${t.key}`} data-testid={`camera-${t.key}`} data-camera={t.key} />
              <figcaption>{t.key}</figcaption>
            </figure>
          ))}
        </div>
      )}
    </div>
  );
}
