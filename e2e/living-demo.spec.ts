/**
 * The living demo: on a fresh demo database a labeller signs in and labels without any lead action — round 0
 * was published and round 1 opened in the background (server/demo/warm-up-demo.ts) — and the project's pages
 * share one navigation bar, with a favicon.
 */
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";
import { LAB1, currentTask, labelWithKey, screenshot } from "./labeling-helpers";

test("labeler1 signs in on a fresh demo and labels a state with no lead action", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, LAB1);
  await page.getByRole("link", { name: /CartPole demo/ }).click();
  const nav = page.getByTestId("project-nav");
  await expect(nav).toBeVisible();
  await expect(nav.getByTestId("nav-overview")).toHaveAttribute("aria-current", "page");
  // A labeller's bar has no lead pages.
  await expect(nav.getByTestId("nav-rounds")).toHaveCount(0);
  await nav.getByTestId("nav-label").click();
  await expect(page.getByTestId("project-nav").getByTestId("nav-label")).toHaveAttribute("aria-current", "page");
  // Round 1 is labelling within seconds of the server's start (the warm-up runs the real pipeline).
  await expect(page.getByTestId("labeler")).toBeVisible({ timeout: 60_000 });
  const first = await currentTask(page);
  expect(first).toMatch(/^[0-9a-f-]{36}$/);
  const labelsBefore = Number(await page.getByTestId("round-progress").getAttribute("data-labels"));
  await labelWithKey(page, "2");
  await expect(page.getByTestId("round-progress")).toHaveAttribute("data-labels", String(labelsBefore + 1), { timeout: 10_000 });
  await screenshot(page, "living-demo-label");
});

test("the favicon is served", async ({ request }) => {
  const res = await request.get("/favicon.ico");
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toMatch(/image\/(x-icon|vnd\.microsoft\.icon)/);
  expect((await res.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
});
