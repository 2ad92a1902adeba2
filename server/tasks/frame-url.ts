import { API } from "../../contracts/routes";

/** Where the browser fetches a state's frame (the route table's path), or null for a state without one. */
export const frameUrl = (projectId: string, frameId: string | null): string | null => (frameId ? API.frame(projectId, frameId) : null);
