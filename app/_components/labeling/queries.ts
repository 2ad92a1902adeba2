/**
 * React Query keys and hooks for the labelling pages. Everything under `["project", id]` is refreshed by
 * realtime events (see ProjectRealtime.tsx), never by polling.
 */
import { useQuery } from "@tanstack/react-query";
import type { TComment } from "@/contracts/comments";
import type { TRound } from "@/contracts/rounds";
import { apiData } from "../api-client";
import { API } from "@/contracts/routes";

export const queryKeys = {
  project: (projectId: string) => ["project", projectId] as const,
  rounds: (projectId: string) => ["project", projectId, "rounds"] as const,
  policy: (projectId: string) => ["project", projectId, "policy"] as const,
  /** `stateId`, or "recent" for the project's newest comments. */
  comments: (projectId: string, target: string) => ["project", projectId, "comments", target] as const,
};

export function useRounds(projectId: string) {
  return useQuery({
    queryKey: queryKeys.rounds(projectId),
    queryFn: () => apiData<TRound[]>(API.rounds(projectId)),
    staleTime: Infinity,
  });
}

/** The newest round (rounds come oldest first), and the one labelling now if any. */
export function roundsSummary(rounds: TRound[] | undefined) {
  const latest = rounds?.at(-1) ?? null;
  const labeling = [...(rounds ?? [])].reverse().find((r) => r.status === "labeling") ?? null;
  return { latest, labeling };
}

export function useComments(projectId: string, stateId: string | null) {
  const target = stateId ?? "recent";
  return useQuery({
    queryKey: queryKeys.comments(projectId, target),
    queryFn: () => apiData<TComment[]>(`${API.comments(projectId)}${stateId ? `?stateId=${encodeURIComponent(stateId)}` : "?limit=20"}`),
    staleTime: Infinity,
  });
}

export const STATUS_TEXT: Record<string, string> = {
  collecting: "collecting rollouts",
  labeling: "labelling",
  aggregating: "aggregating labels",
  training: "training a new policy",
  evaluating: "evaluating the new policy",
  finetuning: "fine-tuning the new policy with RL",
  published: "published",
  failed: "failed",
};
