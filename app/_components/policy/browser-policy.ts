"use client";

/**
 * Policies in the browser: the published model (`policies/latest`, base64) decoded with the tfjs-free inference
 * entry (`trainer/policy/policy`), loaded on demand so only pages that run a policy download that code. The
 * query lives under `queryKeys.policy`, which the realtime layer invalidates on `policy:published`.
 */
import { useQuery } from "@tanstack/react-query";
import { API } from "@/contracts/routes";
import type { Policy } from "@/trainer/policy/policy";
import { ApiError, apiData } from "../api-client";
import { queryKeys } from "../labeling/queries";

/** A loaded policy (type only: the code itself is imported on demand). */
export type ActingPolicy = Policy;
interface LatestPolicy {
  id: string;
  version: number;
  blobBase64: string;
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Decodes a policy blob (base64) in the browser. */
export async function policyFromBase64(blobBase64: string) {
  const { Policy } = await import("@/trainer/policy/policy");
  return Policy.fromBlob(base64ToBytes(blobBase64));
}

/** The latest published policy, decoded in the browser; refetched when `policy:published` arrives. */
export function useBrowserPolicy(projectId: string, enabled = true) {
  return useQuery({
    queryKey: queryKeys.policy(projectId),
    staleTime: Infinity,
    enabled,
    retry: (n, err) => !(err instanceof ApiError && err.status === 404) && n < 2,
    queryFn: async () => {
      const meta = await apiData<LatestPolicy>(API.latestPolicy(projectId));
      const policy: ActingPolicy = await policyFromBase64(meta.blobBase64);
      return { version: meta.version, id: meta.id, policy };
    },
  });
}
