import type { Metadata } from "next";
import { listEnvs } from "@/envs/index";
import { requirePageUser } from "../../_lib/page-auth";
import { NewProjectForm } from "./NewProjectForm";
import { PAGES } from "@/contracts/routes";

export const metadata: Metadata = { title: "New project · Corrective" };

/** Any signed-in user may create a project (they become its lead), so this page only needs a session. */
export default async function NewProjectPage() {
  await requirePageUser(PAGES.newProject);
  return <NewProjectForm initialEnvs={JSON.parse(JSON.stringify(listEnvs()))} />;
}
