import { expect, test } from "@playwright/test";
import { newChat } from "../support/chat";
import { newPerson, open } from "../support/people";

test("Bob is invited into Alice's private room and joins it only when he accepts", async ({ browser }) => {
  const alice = await newPerson(browser, "alice", "Alice");
  const bob = await newPerson(browser, "bob", "Bob");

  await newChat(alice.page);
  await alice.page.getByPlaceholder("New room name").fill("Team");
  await alice.page.getByLabel("Public").uncheck();
  await alice.page.getByRole("button", { name: "Create" }).click();
  await expect(alice.page.getByRole("heading", { name: "Team" })).toBeVisible();
  await expect(alice.page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await alice.page.getByPlaceholder("Username to invite").fill(bob.username);
  await alice.page.getByRole("button", { name: "Invite" }).click();
  await expect(alice.page.getByRole("status")).toHaveText("Invitation sent.");

  // Bob sees an invitation, not the room.
  await open(bob.page, "/");
  const invitation = bob.page.getByTestId("invitations").locator(".room-row", { hasText: "Team" });
  await expect(invitation).toContainText("invited by Alice");
  await expect(bob.page.getByTestId("my-rooms")).not.toContainText("Team");
  await invitation.getByRole("button", { name: "Accept" }).click();
  await expect(bob.page.getByRole("heading", { name: "Team" })).toBeVisible();
  await open(bob.page, "/");
  await expect(bob.page.getByTestId("my-rooms")).toContainText("Team");
  await expect(bob.page.getByTestId("invitations")).toHaveCount(0);
});
