import { expect, test } from "@playwright/test";
import { signIn, signOut } from "./helpers";

test("a lead creates an invitation, sees its one-time link and the list; a labeller may not invite", async ({ page }) => {
  await signIn(page, "lead@corrective.local");
  await page.getByRole("link", { name: "Invitations" }).click();
  await expect(page).toHaveURL(/\/invites$/);
  await expect(page.getByTestId("signup-policy")).toContainText("open");
  await page.getByLabel(/For/).fill("e2e guest");
  await page.getByTestId("create-invite").click();
  await expect(page.getByTestId("invite-link")).toHaveValue(/\/signup\?invite=inv_/);
  await expect(page.getByTestId("invite-list")).toContainText("e2e guest");
  await expect(page.getByTestId("invite-list")).toContainText("active");
  await signOut(page);

  await signIn(page, "labeler1@corrective.local");
  await page.goto("/invites");
  await expect(page.getByTestId("invites-error")).toContainText("Only site admins and project leads");
});
