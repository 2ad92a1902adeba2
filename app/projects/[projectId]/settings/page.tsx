import Link from "next/link";
import { PAGES } from "@/contracts/routes";
import { getContext } from "@/server/context";
import { getProject } from "@/server/projects/get-project";
import { rlFineTuneSetting } from "@/server/projects/check-rl-fine-tune";
import { projectSpec } from "@/server/projects/project-spec";
import { orNotFound, requirePageUser } from "../../../_lib/page-auth";
import { AggregationForm } from "./AggregationForm";
import { RlFineTuneForm } from "./RlFineTuneForm";
import { SettingsForm } from "./SettingsForm";

export default async function ProjectSettingsPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const user = await requirePageUser(PAGES.projectSettings(projectId));
  const project = await orNotFound(() => getProject(getContext().database.db, user, projectId));
  if (project.role !== "lead") {
    return (
      <div className="panel empty" data-testid="forbidden">
        <h1>Lead role required</h1>
        <p>Only a project lead can change the settings of {project.name}.</p>
        <Link href={PAGES.project(project.id)}>Back to the project</Link>
      </div>
    );
  }
  const rl = rlFineTuneSetting(project);
  return (
    <>
      <h1>Settings · {project.name}</h1>
      <SettingsForm projectId={project.id} name={project.name} description={project.description} />
      <AggregationForm projectId={project.id} value={projectSpec(project).settings.aggregation} />
      <RlFineTuneForm projectId={project.id} value={rl.value} unavailable={rl.problem} />
    </>
  );
}
