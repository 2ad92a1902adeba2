/**
 * @corrective/client — run human-in-the-loop DAgger rounds on a Corrective server from your own robot or
 * simulator, in Node ≥ 20 or a browser. See docs/EXTERNAL.md.
 *
 *   const client = await connect({ url, token });
 *   const project = await client.createProject({ name, observationSpace, actionSpace, settings });
 *   const round = await project.startRound();
 *   await round.uploadRollouts(await project.collect(env, await project.latestPolicy(), { episodes: 10, seed: 0 }));
 *   await round.close();
 *   await round.waitFor("published", { timeoutMs: 600_000 });
 */
export { connect, CorrectiveClient, Project, RemotePolicy, Round, type CollectOptions, type ConnectOptions, type CreateProjectInput } from "./client";
export { runEpisode, type Action, type Actor, type DictObservation, type Episode, type GymEnv, type Observation, type Step } from "./collect";
export * from "./errors";
export { encodePng, type RgbImage } from "./png";
