import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

test("sign out everywhere from the account page ends the session in another browser too", async ({ page, browser }) => {
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, "labeler2@corrective.local");
  await signIn(page, "labeler2@corrective.local");

  await page.getByTestId("current-user").click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("account-who")).toContainText("labeler2@corrective.local");
  page.once("dialog", (d) => void d.accept());
  await page.getByTestId("sign-out-everywhere").click();
  await expect(page).toHaveURL(/\/signin/);

  // The other browser's cookie is refused: its next page load goes to sign-in, and its API calls get 401.
  await otherPage.goto("/projects");
  await expect(otherPage).toHaveURL(/\/signin\?callbackUrl=%2Fprojects/);
  expect((await otherPage.request.get("/api/v1/me")).status()).toBe(401);
  await other.close();
});

test("an API token is created with a chosen lifetime, shown once with its expiry, listed and revoked", async ({ page }) => {
  await signIn(page, "labeler1@corrective.local");
  await page.goto("/account");
  const name = `e2e robot ${Date.now()}`;
  await page.getByTestId("token-name").fill(name);
  await page.getByTestId("token-lifetime").selectOption("30");
  await page.getByTestId("token-create").click();
  const expires = new Date(Date.now() + 30 * 24 * 3600_000).toLocaleDateString("en-GB", { dateStyle: "medium" });
  await expect(page.getByTestId("token-created")).toContainText(`expires ${expires}`);
  const token = (await page.getByTestId("token-value").textContent())?.trim() ?? "";
  expect(token).toMatch(/^crv_/);
  const row = page.locator(`[data-testid="token-row"][data-name="${name}"]`);
  await expect(row.getByTestId("token-expires")).toContainText(expires);
  expect((await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } })).status()).toBe(200);
  await row.getByTestId("token-revoke").click();
  await row.getByTestId("token-revoke-confirm").click();
  await expect(row).toHaveCount(0);
  expect((await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);
});

test("a sign-in link with a hostile callbackUrl lands on this site", async ({ page, baseURL }) => {
  for (const callbackUrl of ["%2F%5Cevil.example%2Fphish", "%2F%2Fevil.example", "https%3A%2F%2Fevil.example", "%2F%09%2Fevil.example"]) {
    await page.context().clearCookies();
    await page.goto(`/signin?callbackUrl=${callbackUrl}`);
    await page.getByLabel("Email").fill("lead@corrective.local");
    await page.getByLabel("Password").fill("corrective");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/projects$/);
    expect(new URL(page.url()).origin).toBe(new URL(String(baseURL)).origin);
  }
});

test("changing the password needs the current one, signs out, and the new one signs in", async ({ page }) => {
  const email = `pw-${Date.now()}@example.test`;
  expect((await page.request.post("/api/v1/auth/signup", { data: { name: "Pat Word", email, password: "first password" } })).status()).toBe(202); // the one answer to every accepted sign-up
  await signIn(page, email, "first password");
  await page.goto("/account");
  const form = page.getByTestId("password-form");
  await form.getByLabel("Current password").fill("not my password");
  await form.getByLabel("New password (8+ characters)").fill("second password");
  await form.getByLabel("New password again").fill("second password");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByTestId("error-currentPassword")).toHaveText("The current password is wrong");

  await form.getByLabel("Current password").fill("first password");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page).toHaveURL(/\/signin\?passwordChanged=1/);
  await expect(page.getByText("Password changed. Sign in with the new one.")).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("first password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText("Wrong email or password.");
  await signIn(page, email, "second password");
});

test("forms that send a password stay disabled until the page has hydrated, so no early submit puts it in a URL", async ({ page }) => {
  // The server's HTML: the submit buttons are disabled (a click before hydration would have been the
  // browser's own GET submit: /signin?email=…&password=…).
  for (const [path, label] of [["/signin", "Sign in"], ["/signup", "Create account"]] as const) {
    const html = await (await page.request.get(path)).text();
    expect(html).toMatch(new RegExp(`<button type="submit" disabled="">${label}</button>`));
  }
  // Hydrated, they work.
  await page.goto("/signin");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
});
