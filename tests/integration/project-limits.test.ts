import { expect, it } from "vitest";
import { AppError } from "../../server/errors";
import { createProject } from "../../server/projects/create-project";
import { policyParameterCount, trainingCost } from "../../server/projects/training-budget";
import { updateProject } from "../../server/projects/update-project";
import { DEFAULT_LIMITS } from "../../server/config";
import { ZProjectSettings } from "../../contracts/settings";
import { describeEngines } from "../helpers/engines";
import { makeUser } from "../helpers/fixtures";

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe("UNPROCESSABLE");
  return (err as AppError).details?.fieldErrors ?? {};
};

/** The settings of the attack that found the problem: 1000 epochs, 4 × 4096 units, 16 members, 1000 episodes. */
const EXCESSIVE = { epochs: 1000, hiddenUnits: [4096, 4096, 4096, 4096], ensembleSize: 16, rolloutEpisodes: 1000 };

describeEngines("project quota and training budget", (h) => {
  it("a user may create PROJECT_QUOTA projects, then 422 on `quota`; site admins are exempt", async () => {
    const db = h.database.db;
    const limits = { projectQuota: 2, trainingBudget: 0 };
    const user = await makeUser(db, "Quota User");
    for (let i = 0; i < 2; i++) await createProject(db, user, { name: `mine ${i}`, envId: "CartPole-v1" }, limits);
    const fields = await refusal(createProject(db, user, { name: "one too many", envId: "CartPole-v1" }, limits));
    expect(Object.keys(fields)).toEqual(["quota"]);
    const admin = { ...(await makeUser(db, "Quota Admin")), isAdmin: true };
    for (let i = 0; i < 3; i++) await createProject(db, admin, { name: `admin ${i}`, envId: "CartPole-v1" }, limits);
  });

  it("refuses settings over the training budget with 422 naming the raised fields; defaults fit the default budget", async () => {
    const db = h.database.db;
    const lead = await makeUser(db, "Budget Lead");
    const limits = { projectQuota: 0, trainingBudget: DEFAULT_LIMITS.trainingBudget };
    const fields = await refusal(createProject(db, lead, { name: "greedy", envId: "CartPole-v1", settings: EXCESSIVE }, limits));
    expect(Object.keys(fields).sort()).toEqual(["settings.ensembleSize", "settings.epochs", "settings.hiddenUnits", "settings.rolloutEpisodes"]);
    expect(fields["settings.epochs"]?.[0]).toMatch(/exceeds this instance's budget/);
    // Defaults, and a generous but sane configuration, are within the default budget.
    await createProject(db, lead, { name: "defaults", envId: "CartPole-v1" }, limits);
    await createProject(db, lead, { name: "bigger", envId: "CartPole-v1", settings: { epochs: 100, hiddenUnits: [512, 512], ensembleSize: 5, rolloutEpisodes: 100 } }, limits);
    // Only the field that was raised is named.
    const tight = { projectQuota: 0, trainingBudget: 1e7 };
    expect(Object.keys(await refusal(createProject(db, lead, { name: "epochs", envId: "CartPole-v1", settings: { epochs: 200 } }, tight)))).toEqual(["settings.epochs"]);
  });

  it("an update that would exceed the budget (RL fine-tuning episodes) is refused naming `rlFineTune`, and nothing changes", async () => {
    const db = h.database.db;
    const lead = await makeUser(db, "Update Lead");
    const project = await createProject(db, lead, { name: "rl", envId: "CartPole-v1" });
    const rlFineTune = { iterations: 1000, episodesPerIteration: 200 };
    const fields = await refusal(updateProject(db, lead, project.id, { rlFineTune }, { trainingBudget: 1e8 }));
    expect(Object.keys(fields)).toEqual(["rlFineTune"]);
    expect(fields.rlFineTune?.[0]).toMatch(/exceeds this instance's budget/);
    const after = await updateProject(db, lead, project.id, { description: "still fine" }, { trainingBudget: 1e8 });
    expect(JSON.stringify(after)).not.toContain('"iterations":1000');
  });
});

it("estimates parameters from the policy the settings describe", () => {
  const obs = { type: "box", shape: [4], low: [0, 0, 0, 0], high: [1, 1, 1, 1] } as const;
  const discrete = { type: "discrete", n: 2 } as const;
  // 4 → 64 → 64 → 2: (4+1)·64 + (64+1)·64 + (64+1)·2
  expect(policyParameterCount(obs, discrete, { hiddenUnits: [64, 64], head: "auto" })).toBe(320 + 4160 + 130);
  const cost = trainingCost(obs, discrete, ZProjectSettings.parse({ selection: "uncertainty" }));
  expect(cost).toMatchObject({ epochs: 30, ensemble: 5, episodes: 20 });
  expect(cost.total).toBe(30 * 4610 * 5 * 20);
});
