import { expect, test } from "@playwright/test";
import { bubbles, enterRoom, openDirect, say } from "../support/chat";
import { newPerson } from "../support/people";
import { restart } from "../support/server";

test("a message written offline survives a reload and is delivered once", async ({ browser }) => {
  const ann = await newPerson(browser, "ann", "Ann");
  const bob = await newPerson(browser, "bob", "Bob");
  const room = await openDirect(ann, bob);
  await enterRoom(bob.page, room);

  // Ann's network refuses her chat socket from now on; the restart drops the current one.
  let blocked = true;
  await ann.context.routeWebSocket(/\/ws$/, (ws) => {
    if (blocked) ws.close();
    else ws.connectToServer();
  });
  await restart();
  await expect(ann.page.getByTestId("connection-lost")).toBeVisible();

  await say(ann.page, "written offline");
  await expect(ann.page.locator(".bubble.pending")).toContainText("written offline");
  await ann.page.reload();
  await expect(ann.page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await expect(ann.page.locator(".bubble.pending")).toContainText("written offline");

  blocked = false;
  await expect(bubbles(bob.page, "written offline")).toHaveCount(1, { timeout: 20_000 });
  await expect(bubbles(ann.page, "written offline")).toHaveCount(1, { timeout: 20_000 });
  await expect(ann.page.locator(".bubble.pending")).toHaveCount(0);
  await ann.page.reload();
  await expect(bubbles(ann.page, "written offline")).toHaveCount(1);
  await expect(ann.page.locator(".bubble.pending")).toHaveCount(0);
});

test("a message never acknowledged is shown as failed, with retry and discard", async ({ browser }) => {
  const ann = await newPerson(browser, "ann", "Ann");
  const bob = await newPerson(browser, "bob", "Bob");
  const room = await openDirect(ann, bob);
  await enterRoom(bob.page, room);

  // A socket that says hello and swallows every send, then drops: the outbox retries a
  // bounded number of times.
  let swallow = true;
  await ann.context.routeWebSocket(/\/ws$/, (ws) => {
    if (!swallow) {
      ws.connectToServer();
      return;
    }
    ws.send(JSON.stringify({ type: "hello", user_id: 0, display_name: "Ann", epoch: "x", max_body_chars: 4000 }));
    setTimeout(() => ws.close(), 100);
  });
  await restart();
  await say(ann.page, "keep me");
  await say(ann.page, "drop me");
  const failed = ann.page.locator(".bubble.pending", { hasText: "Not sent" });
  await expect(failed).toHaveCount(2, { timeout: 20_000 });

  swallow = false;
  await ann.page.locator(".bubble.pending", { hasText: "drop me" }).getByRole("button", { name: "Discard" }).click();
  await ann.page.locator(".bubble.pending", { hasText: "keep me" }).getByRole("button", { name: "Retry" }).click();
  await expect(bubbles(bob.page, "keep me")).toHaveCount(1, { timeout: 20_000 });
  await expect(ann.page.locator(".bubble.pending")).toHaveCount(0);
  await ann.page.reload();
  await expect(bubbles(ann.page, "keep me")).toHaveCount(1);
  await expect(ann.page.getByText("drop me")).toHaveCount(0);
  await expect(bubbles(bob.page, "drop me")).toHaveCount(0);
});
