import { expect, test } from "@playwright/test";
import { bubbles, createRoom, say } from "../support/chat";
import { newPerson, open } from "../support/people";

// Ann owns a public room and mutes Bob for a minute from the moderation panel's member
// list. Bob's composer closes at once with the reason and the time left, counts down, and
// opens again when the mute ends.
test("a muted member's composer says why and for how long, and opens when the mute ends", async ({ browser }) => {
  test.setTimeout(150_000);
  const ann = await newPerson(browser, "ann", "Ann");
  const bob = await newPerson(browser, "bob", "Bob");
  const name = `lobby ${Date.now().toString(36)}`;
  await createRoom(ann.page, name);

  await open(bob.page, "/");
  await bob.page.locator("li.room-row", { hasText: name }).getByRole("button", { name: "Join" }).click();
  await expect(bob.page.getByRole("heading", { name })).toBeVisible();
  await expect(bob.page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await say(bob.page, "hello from Bob");

  // Ann, the owner, mutes Bob from the moderation panel: a reason, a minute.
  await expect(bubbles(ann.page, "hello from Bob")).toHaveCount(1);
  await ann.page.getByTestId("moderation-summary").click();
  await ann.page.getByTestId("moderation-reason").fill("flooding");
  await ann.page.getByTestId("moderation-length").selectOption("1");
  const bobLine = ann.page.getByTestId("member").filter({ hasText: "@" + bob.username });
  await expect(bobLine).toHaveAttribute("data-role", "member");
  await bobLine.locator('[data-action="mute"]').click();
  // The panel reads the server again: Bob is muted, and the log says who did it.
  await expect(bobLine.locator('[data-action="unmute"]')).toBeVisible();
  await expect(ann.page.getByTestId("log-line").first()).toContainText("flooding");

  // Bob's composer closes, with the reason and a countdown.
  const note = bob.page.getByTestId("muted-note");
  await expect(note).toContainText("flooding");
  await expect(note).toContainText(/0:[0-5]\d|1:00/);
  const box = bob.page.locator("#composer");
  await expect(box).toBeDisabled();
  const first = await note.textContent();
  await expect(note).not.toHaveText(first!, { timeout: 3_000 });

  // A minute later the mute is over: the note goes, and Bob writes again.
  await expect(note).toBeEmpty({ timeout: 75_000 });
  await expect(box).toBeEnabled();
  await say(bob.page, "back again");
  await expect(bubbles(ann.page, "back again")).toHaveCount(1, { timeout: 10_000 });
});

// Reports: two members report Bob's spam (report_threshold is 2 for the specs). It is
// hidden at once for everyone, stays hidden on reload, and waits in Ann's inbox with its
// count; Ann restores it. Then Ann makes the room read-only: Bob's composer closes.
test("reports hide a message for everyone until a moderator restores it; a read-only room closes members' composers", async ({ browser }) => {
  test.setTimeout(90_000);
  const ann = await newPerson(browser, "ann", "Ann");
  const people = [];
  for (const name of ["bob", "cyrus", "dana"]) people.push(await newPerson(browser, name, name));
  const [bob, cyrus, dana] = people;
  const name = `reports ${Date.now().toString(36)}`;
  await createRoom(ann.page, name);
  for (const p of people) {
    await open(p.page, "/");
    await p.page.locator("li.room-row", { hasText: name }).getByRole("button", { name: "Join" }).click();
    await expect(p.page.getByRole("heading", { name })).toBeVisible();
    await expect(p.page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  }
  const spam = "cheap pills at spam.example";
  await say(bob.page, spam);
  await expect(ann.page.getByTestId("report-count")).toHaveText("Reports (0)");

  for (const p of [cyrus, dana]) {
    const bubble = bubbles(p.page, spam);
    await expect(bubble).toHaveCount(1);
    await bubble.hover();
    await bubble.locator('[data-action="report"]').click();
    await bubble.getByTestId("report-reason").fill("spam");
    await bubble.locator('[data-action="send-report"]').click();
    if (p === cyrus) await expect(bubble.getByTestId("reported")).toBeVisible();
  }

  // Hidden for everyone at once, Bob included, and on reload: in the log and the room
  // list (only the moderators' inbox holds its body).
  for (const p of [ann, bob, cyrus]) {
    await expect(p.page.getByTestId("hidden-message")).toHaveCount(1);
    await expect(p.page.locator(".bubble", { hasText: spam })).toHaveCount(0);
    await expect(p.page.locator(".room-row", { hasText: spam })).toHaveCount(0);
  }
  await cyrus.page.reload();
  await expect(cyrus.page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await expect(cyrus.page.getByTestId("hidden-message")).toHaveCount(1);
  await expect(cyrus.page.locator(".bubble", { hasText: spam })).toHaveCount(0);

  // Ann's inbox holds it, with its body for the review; she restores it.
  await expect(ann.page.getByTestId("report-count")).toHaveText("Reports (1)");
  await ann.page.getByTestId("moderation-summary").click();
  const reported = ann.page.getByTestId("reported");
  await expect(reported).toContainText(spam);
  await expect(reported).toContainText("2 reports");
  await reported.locator('[data-action="restore"]').click();
  await expect(bubbles(cyrus.page, spam)).toHaveCount(1);
  await expect(ann.page.getByTestId("report-count")).toHaveText("Reports (0)");

  // Read-only: Bob's composer closes with a note; Ann still posts.
  await ann.page.locator('[data-action="read-only"]').click();
  await expect(bob.page.getByTestId("read-only-note")).toBeVisible();
  await expect(bob.page.locator("#composer")).toBeDisabled();
  await say(ann.page, "announcements only");
  await expect(bubbles(bob.page, "announcements only")).toHaveCount(1);
  await ann.page.locator('[data-action="read-only"]').click();
  await expect(bob.page.getByTestId("read-only-note")).toHaveCount(0);
  await expect(bob.page.locator("#composer")).toBeEnabled();
});
