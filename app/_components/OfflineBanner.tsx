"use client";

import { useRealtime } from "./realtime/ProjectRealtime";

/**
 * Visible whenever the browser is offline, the live connection dropped, or labels are waiting to be sent.
 * `pending` is the number of labels held in this browser's outbox.
 */
export function OfflineBanner({ pending, signedOut, onRetry }: { pending: number; signedOut?: boolean; onRetry?: () => void }) {
  const status = useRealtime((s) => s.status);
  const browserOnline = useRealtime((s) => s.browserOnline);
  const offline = !browserOnline || status === "offline";
  if (!offline && !signedOut && pending === 0) return null;
  return (
    <div className={`banner ${offline || signedOut ? "warn" : "info"}`} role="status" data-testid="offline-banner" data-offline={offline ? "true" : "false"}>
      {signedOut ? (
        <span>Your session ended — sign in again in another tab; your labels stay saved here.</span>
      ) : offline ? (
        <span>
          <strong>Offline</strong> — {browserOnline ? "the live connection dropped; reconnecting…" : "no network."} Labels are kept in this browser and sent when the
          connection returns.
        </span>
      ) : (
        <span>Sending labels…</span>
      )}
      <span className="badge" data-testid="pending-count" data-count={pending}>
        {pending} pending
      </span>
      {onRetry && pending > 0 && (
        <button type="button" className="secondary small-button" onClick={onRetry}>
          Retry now
        </button>
      )}
    </div>
  );
}
