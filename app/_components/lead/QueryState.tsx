"use client";

/** Loading / error blocks shared by the lead's pages (the empty state is each list's own). */
import { errorMessage } from "../api-client";

export function Loading({ what, testId }: { what: string; testId?: string }) {
  return (
    <p className="muted" role="status" data-testid={testId ?? "loading"}>
      Loading {what}…
    </p>
  );
}

export function LoadError({ what, error, retry }: { what: string; error: unknown; retry?: () => void }) {
  return (
    <div className="alert error row" role="alert" data-testid="load-error">
      <span>Could not load {what}: {errorMessage(error)}</span>
      {retry && (
        <button type="button" className="secondary" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}
