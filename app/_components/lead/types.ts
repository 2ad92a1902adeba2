import type { TSpace } from "@/contracts/spaces";

/** What the lead's client components know about the project (plain JSON from the page). */
export interface LeadProject {
  id: string;
  name: string;
  envId: string | null;
  actionSpace: TSpace;
  observationSpace: TSpace;
}
