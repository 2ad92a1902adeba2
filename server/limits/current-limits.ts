import { DEFAULT_LIMITS, type Limits } from "../config";
import { getContext } from "../context";

/** The running server's configured limits; the defaults where no server context exists (tests, scripts). */
export function currentLimits(): Limits {
  try {
    return getContext().config.limits;
  } catch {
    return DEFAULT_LIMITS;
  }
}
