/**
 * The rounds dashboard's reference comparison in Chromium against the real server: on a CarTrack-v1
 * project the toggle draws the efficacy benchmark's CarTrack-v1 curves (as many as the dashboard API
 * returns); on a CartPole project it shows the empty state instead. And the settings page changes the
 * project's aggregation rule.
 */
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";
import { LEAD, LeadApi } from "./labeling-helpers";

test.describe("rounds dashboard: reference curves", () => {
  let lead: LeadApi;
  test.beforeAll(async ({}, testInfo) => {
    lead = await LeadApi.login(String(testInfo.project.use.baseURL), LEAD);
  });
  test.afterAll(async () => {
    await lead?.dispose();
  });

  test("the toggle shows the env's reference curves, or says there are none", async ({ page }) => {
    const car = await lead.ok("POST", "/api/v1/projects", { name: `E2E reference CarTrack-v1 ${Date.now()}`, envId: "CarTrack-v1" });
    const cart = await lead.ok("POST", "/api/v1/projects", { name: `E2E reference CartPole ${Date.now()}`, envId: "CartPole-v1" });
    const dash = await lead.ok("GET", `/api/v1/projects/${car.id}/dashboard`);
    const expected = dash.references.curves.length as number;
    expect(expected).toBeGreaterThan(0);

    await signIn(page, LEAD);
    await page.goto(`/projects/${car.id}/rounds`);
    await expect(page.getByTestId("rounds-dashboard")).toBeVisible();
    await expect(page.getByTestId("reference-chart")).toHaveCount(0);
    await page.getByTestId("reference-toggle").check();
    await expect(page.getByTestId("reference-chart")).toBeVisible();
    await expect(page.getByTestId("reference-curve")).toHaveCount(expected);
    await expect(page.getByTestId("reference-legend")).toContainText(dash.references.curves[0].label);
    await page.getByTestId("reference-toggle").uncheck();
    await expect(page.getByTestId("reference-chart")).toHaveCount(0);

    await page.goto(`/projects/${cart.id}/rounds`);
    await page.getByTestId("reference-toggle").check();
    await expect(page.getByTestId("reference-empty")).toContainText("No reference curves for CartPole-v1");
    await expect(page.getByTestId("reference-chart")).toHaveCount(0);
  });

  test("the settings page changes the aggregation rule", async ({ page }) => {
    const p = await lead.ok("POST", "/api/v1/projects", { name: `E2E aggregation ${Date.now()}`, envId: "CarTrack-v1" });
    await signIn(page, LEAD);
    await page.goto(`/projects/${p.id}/settings`);
    await expect(page.getByTestId("field-aggregation")).toHaveValue("mode-aware");
    await page.getByTestId("field-aggregation").selectOption("reliability");
    await page.getByTestId("aggregation-form").getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("aggregation-form").getByRole("status")).toContainText("Saved");
    const detail = await lead.ok("GET", `/api/v1/projects/${p.id}`);
    expect(JSON.stringify(detail)).toContain('"aggregation":"reliability"');
  });
});
