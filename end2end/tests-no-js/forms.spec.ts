// With JavaScript off (the `no-js` project): what must work from the server's HTML alone.
// Accounts work through the plain forms, with their errors on the form; the room list and a
// room's history are in the server's HTML.
import { expect, test } from "@playwright/test";
import { baseUrl } from "../support/server";
import { bubbles, newChat, say } from "../support/chat";
import { open, signUpOn, uniqueName } from "../support/people";

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
  // "New chat" is a <details>: it opens without script.
  await page.getByTestId("new-chat").locator("summary").click();
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

test("a wrong password on the plain form shows its error on the form", async ({ page }) => {
  const username = uniqueName("nojs");
  await page.goto(baseUrl() + "/signup");
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill("correct horse battery");
  await page.locator('main button[type="submit"]').click();
  await expect(page.getByTestId("me")).toBeVisible();

  const fresh = await page.context().browser()!.newContext({ javaScriptEnabled: false });
  const other = await fresh.newPage();
  await other.goto(baseUrl() + "/signin");
  await other.locator('input[name="username"]').fill(username);
  await other.locator('input[name="password"]').fill("wrong horse battery");
  await other.locator('main button[type="submit"]').click();
  await expect(other.getByRole("alert")).toHaveText("Wrong username or password.");
  await expect(other.locator('input[name="username"]')).toBeVisible();
  await fresh.close();
});

test("a room's history is in the HTML without JavaScript", async ({ browser }) => {
  // Written with script (this project's contexts have it off unless asked), read without.
  const scripted = await browser.newContext({ javaScriptEnabled: true });
  const writer = await scripted.newPage();
  await signUpOn(writer, uniqueName("writer"), "Writer", "correct horse battery");
  await expect(writer.getByTestId("my-rooms")).toBeAttached();
  await open(writer, "/");
  await newChat(writer);
  await writer.getByPlaceholder("New room name").fill("read without script");
  await writer.getByRole("button", { name: "Create" }).click();
  await expect(writer.getByRole("heading", { name: "read without script" })).toBeVisible();
  await expect(writer.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await say(writer, "first line");
  await say(writer, "second line");
  await expect(bubbles(writer, "second line")).toBeVisible();

  const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await scripted.storageState() });
  const page = await plain.newPage();
  await page.goto(writer.url());
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "false");
  await expect(bubbles(page, "first line")).toBeVisible();
  await expect(bubbles(page, "second line")).toBeVisible();
  await expect(page.getByTestId("day")).toHaveCount(1);
  await page.goto(baseUrl() + "/");
  await expect(page.getByTestId("my-rooms").getByText("read without script")).toBeVisible();
  await expect(page.getByTestId("my-rooms")).toContainText("second line");
  await plain.close();
  await scripted.close();
});
