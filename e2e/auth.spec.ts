import { expect, test } from "@playwright/test";
import { signIn, signOut } from "./helpers";

test("a new user signs up, sees the empty state, signs out and back in", async ({ page }) => {
  const email = `e2e-${Date.now()}@example.test`;
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
  await page.getByRole("link", { name: "Sign up" }).first().click();

  // Field errors come from the server's validation and nothing is created.
  await page.getByLabel("Name").fill("E2E Person");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel(/Password/).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("error-email")).toHaveText("Enter a valid email address");
  await expect(page.getByTestId("error-password")).toContainText("at least 8 characters");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/Password/).fill("a good password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/projects$/);
  await expect(page.getByTestId("current-user")).toHaveText("E2E Person");
  await expect(page.getByTestId("projects-empty")).toBeVisible();

  await signOut(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a wrong password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText("Wrong email or password.");
  await signIn(page, email, "a good password");
  await expect(page.getByTestId("current-user")).toHaveText("E2E Person");
});

test("the lead sees the demo project, live presence, and can open its settings", async ({ page }) => {
  await signIn(page, "lead@corrective.local");
  await page.getByRole("link", { name: /CartPole demo/ }).click();
  await expect(page.getByRole("heading", { name: "CartPole demo" })).toBeVisible();
  await expect(page.getByTestId("my-role")).toHaveText("lead");
  await expect(page.getByTestId("presence")).toHaveAttribute("data-status", "online");
  await expect(page.getByTestId("presence")).toContainText("Lee Lead");
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByTestId("settings-form")).toBeVisible();
  await signOut(page);
});

test("a labeller cannot open the lead-only settings page, nor another project's page", async ({ page, browser }) => {
  await signIn(page, "labeler1@corrective.local");
  await page.getByRole("link", { name: /CartPole demo/ }).click();
  await expect(page.getByTestId("my-role")).toHaveText("labeler");
  await expect(page.getByRole("link", { name: "Settings" })).toHaveCount(0);
  const projectUrl = page.url();

  await page.goto(`${projectUrl}/settings`);
  await expect(page.getByTestId("forbidden")).toContainText("Lead role required");
  await expect(page.getByTestId("settings-form")).toHaveCount(0);
  // The API refuses the change too: by role, when sent as the app's own pages send it (same origin)…
  const projectApi = `/api/v1/projects/${projectUrl.split("/").pop()}`;
  const res = await page.request.patch(projectApi, { data: { name: "Hijacked" }, headers: { origin: new URL(projectUrl).origin } });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.message).toMatch(/lead role/);
  // …and, from another site, before any role is looked at (docs/SECURITY.md, "Cross-site requests").
  const forged = await page.request.patch(projectApi, { data: { name: "Hijacked" }, headers: { origin: "http://evil.example" } });
  expect(forged.status()).toBe(403);
  expect((await forged.json()).error.message).toMatch(/Cross-site request refused/);

  // A project the labeller is not a member of looks exactly like one that does not exist.
  await page.goto("/projects/00000000-0000-4000-8000-000000000000");
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  const api = await page.request.get("/api/v1/projects/00000000-0000-4000-8000-000000000000");
  expect(api.status()).toBe(404);

  // Presence: a second person in the room shows up live.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, "labeler2@corrective.local");
  await otherPage.goto(projectUrl);
  await page.goto(projectUrl);
  await expect(page.getByTestId("presence")).toContainText("Lab One");
  await expect(page.getByTestId("presence")).toContainText("Lab Two");
  await other.close();
  await signOut(page);
});
