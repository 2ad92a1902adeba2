/**
 * React Query keys and hooks for the lead's pages. The keys live under `["project", id]`, so a reconnect that
 * missed events refetches them (see ProjectRealtime.tsx); the rounds dashboard and review queue refresh theirs
 * on the realtime events that change them instead of polling, and the data pages group theirs under
 * `["project", id, "lead", …]` so one invalidation refreshes a page.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { TDashboard } from "@/contracts/dashboard";
import type { TReviewPage } from "@/contracts/review";
import { apiData } from "../api-client";
import { API, withQuery } from "@/contracts/routes";

export const leadKeys = {
  dashboard: (projectId: string) => ["project", projectId, "dashboard"] as const,
  review: (projectId: string) => ["project", projectId, "review"] as const,
  reviewPage: (projectId: string, offset: number, limit: number) => ["project", projectId, "review", offset, limit] as const,
  all: (p: string) => ["project", p, "lead"] as const,
  datasets: (p: string) => ["project", p, "lead", "datasets"] as const,
  dataset: (p: string, v: number) => ["project", p, "lead", "datasets", v] as const,
  samples: (p: string, v: number, offset: number, source: string) => ["project", p, "lead", "datasets", v, "samples", offset, source] as const,
  diff: (p: string, from: number, to: number) => ["project", p, "lead", "datasets", "diff", from, to] as const,
  policies: (p: string) => ["project", p, "lead", "policies"] as const,
  policyModel: (p: string, v: number) => ["project", p, "lead", "policies", v, "model"] as const,
  quality: (p: string) => ["project", p, "lead", "quality"] as const,
  audit: (p: string, filters: string, before: number | null) => ["project", p, "lead", "audit", filters, before] as const,
  tokens: ["me", "tokens"] as const,
};

export function useDashboard(projectId: string, initialData?: TDashboard) {
  return useQuery({
    queryKey: leadKeys.dashboard(projectId),
    queryFn: () => apiData<TDashboard>(API.dashboard(projectId)),
    initialData,
    staleTime: 30_000,
  });
}

export function useReviewQueue(projectId: string, offset: number, limit: number) {
  return useQuery({
    queryKey: leadKeys.reviewPage(projectId, offset, limit),
    queryFn: () => apiData<TReviewPage>(withQuery(API.review(projectId), { offset, limit })),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}
