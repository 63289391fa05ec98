// With JavaScript off (the `no-js` project): what must work from the server's HTML alone.
// Accounts work through the plain forms; the room pages' own no-script rendering is tracked
// by the UI issue and is not claimed here.
import { expect, test } from "@playwright/test";
import { baseUrl } from "../support/server";
import { uniqueName } from "../support/people";

test("signing up and in through the plain forms works without JavaScript", async ({ page }) => {
  const username = uniqueName("nojs");
  await page.goto(baseUrl() + "/signup");
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "false");
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="display_name"]').fill("No Script");
  await page.locator('input[name="password"]').fill("correct horse battery");
  await page.locator('main button[type="submit"]').click();
  await expect(page.getByTestId("me")).toHaveText("No Script");

  // A new browser without the cookie signs in the same way.
  const fresh = await page.context().browser()!.newContext({ javaScriptEnabled: false });
  const other = await fresh.newPage();
  await other.goto(baseUrl() + "/signin");
  await other.locator('input[name="username"]').fill(username);
  await other.locator('input[name="password"]').fill("correct horse battery");
  await other.locator('main button[type="submit"]').click();
  await expect(other.getByTestId("me")).toHaveText("No Script");
  await fresh.close();
});

test("the first page and the forms are served as HTML, with no script needed to read them", async ({ page }) => {
  await page.goto(baseUrl() + "/");
  await expect(page.getByText("Real-time chat for your Q&A community")).toBeVisible();
  await page.goto(baseUrl() + "/signin");
  await expect(page.locator('input[name="username"]')).toBeVisible();
  await expect(page.locator('input[name="password"]')).toBeVisible();
});

test("the room list and a room page are in the HTML without JavaScript", async ({ page }) => {
  const username = uniqueName("nojs");
  await page.goto(baseUrl() + "/signup");
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill("correct horse battery");
  await page.locator('main button[type="submit"]').click();
  await expect(page.getByTestId("my-rooms")).toBeAttached();

  // The plain form creates the room and goes to its page, rendered whole on the server.
  const form = page.locator('form:has(input[name="name"])');
  await form.locator('input[name="name"]').fill("plain html room");
  await form.locator('button[type="submit"]').click();
  await expect(page).toHaveURL(/\/rooms\/\d+$/);
  await expect(page.getByRole("heading", { name: "plain html room" })).toBeVisible();
  await expect(page.getByText("Loading")).toHaveCount(0);

  // Back on the room list, the new room is listed.
  await page.goto(baseUrl() + "/");
  await expect(page.getByTestId("my-rooms").getByText("plain html room")).toBeVisible();
});
