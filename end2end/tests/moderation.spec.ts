import { expect, test } from "@playwright/test";
import { bubbles, createRoom, roomIdOf, say } from "../support/chat";
import { newPerson, open } from "../support/people";

// Ann owns a public room and mutes Bob for a minute (through her own socket, as the
// member list's actions are not built yet). Bob's composer closes at once with the reason
// and the time left, counts down, and opens again when the mute ends.
test("a muted member's composer says why and for how long, and opens when the mute ends", async ({ browser }) => {
  test.setTimeout(150_000);
  const ann = await newPerson(browser, "ann", "Ann");
  const bob = await newPerson(browser, "bob", "Bob");
  const name = `lobby ${Date.now().toString(36)}`;
  const url = await createRoom(ann.page, name);
  const room = roomIdOf(url);

  await open(bob.page, "/");
  await bob.page.locator("li.room-row", { hasText: name }).getByRole("button", { name: "Join" }).click();
  await expect(bob.page.getByRole("heading", { name })).toBeVisible();
  await expect(bob.page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await say(bob.page, "hello from Bob");
  const bobId = await bob.page.evaluate(async (roomId) => {
    const res = await fetch("/api/load_room", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `room_id=${roomId}`,
    });
    return (await res.json()).me.user_id as number;
  }, room);

  // Ann's action, over her socket in a second tab.
  const side = await ann.page.context().newPage();
  await side.goto(new URL("/healthz", ann.page.url()).href);
  const answer = await side.evaluate(
    async ({ roomId, userId }) => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      const frames: any[] = [];
      let wake = () => {};
      ws.onmessage = (e) => {
        frames.push(JSON.parse(e.data));
        wake();
      };
      await new Promise<void>((resolve) => (ws.onopen = () => resolve()));
      const until = async (pred: (f: any) => boolean) => {
        for (;;) {
          const found = frames.find(pred);
          if (found) return found;
          await new Promise<void>((r) => (wake = r));
        }
      };
      ws.send(JSON.stringify({ type: "watch", rooms: [{ room_id: roomId, after_seq: 0 }] }));
      await until((f) => f.type === "caught_up");
      const id = crypto.randomUUID();
      ws.send(JSON.stringify({ type: "moderate", room_id: roomId, client_msg_id: id, user_id: userId, action: "mute", minutes: 1, reason: "flooding" }));
      const reply = await until((f) => (f.type === "ack" || f.type === "error") && f.client_msg_id === id);
      ws.close();
      return reply.type;
    },
    { roomId: room, userId: bobId },
  );
  expect(answer).toBe("ack");
  await side.close();

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
