/**
 * React Query keys and hooks for the lead's pages (rounds dashboard, review queue). The keys live under
 * `["project", id]`, so a reconnect that missed events refetches them (see ProjectRealtime.tsx); the pages
 * refresh them on the realtime events that change them instead of polling.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { TDashboard } from "@/contracts/dashboard";
import { LEAD_API, withQuery } from "@/contracts/lead-routes";
import type { TReviewPage } from "@/contracts/review";
import { apiData } from "../api-client";

export const leadKeys = {
  dashboard: (projectId: string) => ["project", projectId, "dashboard"] as const,
  review: (projectId: string) => ["project", projectId, "review"] as const,
  reviewPage: (projectId: string, offset: number, limit: number) => ["project", projectId, "review", offset, limit] as const,
};

export function useDashboard(projectId: string, initialData?: TDashboard) {
  return useQuery({
    queryKey: leadKeys.dashboard(projectId),
    queryFn: () => apiData<TDashboard>(LEAD_API.dashboard(projectId)),
    initialData,
    staleTime: 30_000,
  });
}

export function useReviewQueue(projectId: string, offset: number, limit: number) {
  return useQuery({
    queryKey: leadKeys.reviewPage(projectId, offset, limit),
    queryFn: () => apiData<TReviewPage>(withQuery(LEAD_API.review(projectId), { offset, limit })),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}
