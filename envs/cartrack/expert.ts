/**
 * CarTrack's scripted expert: pure pursuit of the centreline. It aims at the centreline point a
 * speed-dependent distance ahead of the car's own projection, converts the pursuit curvature to a
 * wheel angle (compensating understeer) and clips it to the steering range.
 *
 * It uses only the car's pose, its speed and the track — never the hidden drift disturbance or the
 * noise state — so what it does is learnable from the observation, and because it always steers
 * back towards the centreline it recovers from off-centre and misaligned states (the states DAgger
 * asks it to label).
 */
import type { Expert } from "../env";
import { CAR } from "./car";
import { getTrack } from "./track";

const LOOKAHEAD_BASE = 4.0;
const LOOKAHEAD_PER_SPEED = 0.55;

export function carTrackExpertAction(state: readonly number[]): number[] {
  const [trackIndex = 0, x = 0, y = 0, heading = 0, speed = 0] = state;
  const track = getTrack(trackIndex);
  const proj = track.project(x, y);
  const lookahead = LOOKAHEAD_BASE + LOOKAHEAD_PER_SPEED * Math.max(speed, 0);
  const target = track.pointAt(proj.s + lookahead);
  const dx = target.x - x;
  const dy = target.y - y;
  const c = Math.cos(heading);
  const s = Math.sin(heading);
  const forward = dx * c + dy * s;
  const left = -dx * s + dy * c;
  const dist = Math.hypot(forward, left);
  const alpha = Math.atan2(left, forward);
  const curvature = (2 * Math.sin(alpha)) / Math.max(dist, 1e-6);
  const steer = Math.atan(curvature * CAR.wheelbase * (1 + CAR.understeer * speed * speed));
  return [Math.max(-1, Math.min(1, steer / CAR.maxSteer))];
}

export function createCarTrackExpert(): Expert {
  return {
    envId: "CarTrack-v0",
    score: {
      metric: "mean lap completion",
      value: 0.95,
      episodes: 20,
      description:
        "Pure pursuit of the centreline (lookahead 4 m + 0.55 s·speed) with understeer compensation; ignores the hidden drift.",
    },
    reset: () => undefined,
    act: carTrackExpertAction,
  };
}

/** CarTrack-v1's expert: the same pure pursuit (its lookahead grows with the higher speed). */
export function createCarTrackV1Expert(): Expert {
  return {
    envId: "CarTrack-v1",
    score: {
      metric: "mean lap completion",
      value: 0.95,
      episodes: 20,
      description:
        "The CarTrack-v0 pure-pursuit expert on the narrow, fast, noisy-steering road; it sees neither the drift nor the steering noise.",
    },
    reset: () => undefined,
    act: carTrackExpertAction,
  };
}
