import { expect, test } from "@playwright/test";
import { newChat } from "../support/chat";
import { newPerson, open, signInOn, signUpOn, uniqueName } from "../support/people";

test("a new user signs up, signs out, signs back in, and sees only their rooms", async ({ browser }) => {
  const minsu = await newPerson(browser, "minsu", "김민수");
  const other = await newPerson(browser, "other", "Other");

  // Each creates a private room; a public room is listed for everyone to join.
  for (const [person, room] of [[minsu, "민수의 방"], [other, "Other's secret"]] as const) {
    await newChat(person.page);
    await person.page.getByPlaceholder("New room name").fill(room);
    await person.page.getByLabel("Public").uncheck();
    await person.page.getByRole("button", { name: "Create" }).click();
    await expect(person.page.getByRole("heading", { name: room })).toBeVisible();
  }

  // Sign out: back to the sign-in page, and the room list is gone.
  const page = minsu.page;
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await open(page, "/");
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();

  // Sign back in: only Minsu's own room is listed.
  await signInOn(page, minsu.username, minsu.password);
  await expect(page.getByTestId("me")).toHaveText("김민수");
  const mine = page.getByTestId("my-rooms");
  await expect(mine).toContainText("민수의 방");
  await expect(page.locator("body")).not.toContainText("Other's secret");
});

test("sign-up and sign-in errors are shown inline", async ({ page }) => {
  const username = uniqueName("dup");
  await signUpOn(page, username, "", "short");
  await expect(page.getByRole("alert")).toContainText("too short");

  await signUpOn(page, username, "", "long enough password");
  await expect(page.getByTestId("me")).toHaveText(username);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  await signUpOn(page, username.toUpperCase(), "", "long enough password");
  await expect(page.getByRole("alert")).toContainText("taken");

  await signInOn(page, username, "wrong password!");
  await expect(page.getByRole("alert")).toContainText("Wrong username or password");
});
