// Steps of the chat stories, as a person does them in the page.
import { Page, expect } from "@playwright/test";
import { Person, open } from "./people";

/** Opens the room list's "New chat" action: the forms to create a room and to message
 *  someone. */
export async function newChat(page: Page): Promise<void> {
  const action = page.locator("main .rooms:not(.compact)").getByTestId("new-chat");
  if (!(await action.evaluate((d: HTMLDetailsElement) => d.open))) await action.locator("summary").click();
}

/** Creates a group room from the room list, waits until its page has hydrated, and returns
 *  its URL. */
export async function createRoom(page: Page, name: string): Promise<string> {
  await open(page, "/");
  await newChat(page);
  await page.locator("main .rooms:not(.compact)").getByPlaceholder("New room name").fill(name);
  await page.locator("main .rooms:not(.compact)").getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  return page.url();
}

/** From the room list, opens (or finds) the direct room with `other`. */
export async function openDirect(person: Person, other: Person): Promise<string> {
  await open(person.page, "/");
  await newChat(person.page);
  const form = person.page.locator('form:has(input[name="username"])');
  await form.locator('input[name="username"]').fill(other.username);
  await form.locator('button[type="submit"]').click();
  await expect(person.page.getByRole("heading", { name: other.displayName })).toBeVisible();
  return person.page.url();
}

/** Goes to a room by URL and waits until it is live (someone online: at least me). */
export async function enterRoom(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("online-count")).not.toHaveText(/^0 /);
}

/** Types a message and presses Enter. */
export async function say(page: Page, text: string): Promise<void> {
  const box = page.locator(".composer textarea");
  await box.fill(text);
  await box.press("Enter");
}

/** The stored (acknowledged or received) bubbles whose body is exactly `text`. */
export function bubbles(page: Page, text: string) {
  return page.locator(".bubble:not(.pending)").filter({
    has: page.locator(".body", { hasText: new RegExp(`^${escape(text)}$`) }),
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether a bubble sits on the right half of the log. */
export async function sitsRight(page: Page, text: string): Promise<boolean> {
  const bubble = await bubbles(page, text).first().boundingBox();
  const log = await page.getByRole("log").boundingBox();
  if (!bubble || !log) throw new Error("bubble or log not laid out");
  return bubble.x + bubble.width / 2 > log.x + log.width / 2;
}

/** The room id of a room URL. */
export function roomIdOf(url: string): number {
  return Number(new URL(url).pathname.split("/").pop());
}

/** Stores `count` messages `${prefix} 1..count` in a room through the page's own session,
 *  from a second tab (the page's own main thread is busy drawing what arrives, and a debug
 *  build draws slowly), over its own socket, in rounds of 50 that each wait for their acks
 *  (so the socket's outbound queue, which also carries the room's messages back, never
 *  fills). An error frame or a close fails the flood at once instead of leaving it waiting. */
export async function flood(page: Page, roomId: number, count: number, prefix: string): Promise<void> {
  const side = await page.context().newPage();
  await side.goto(new URL("/healthz", page.url()).href);
  await side.evaluate(
    async ({ roomId, count, prefix }) => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      const frames: any[] = [];
      let wake = () => {};
      let failed: string | null = null;
      ws.onmessage = (e) => {
        const f = JSON.parse(e.data);
        if (f.type === "error") failed = `error frame: ${e.data}`;
        frames.push(f);
        wake();
      };
      ws.onclose = (e) => {
        failed ??= `closed with ${e.code}`;
        wake();
      };
      const until = async (pred: (f: any) => boolean) => {
        for (;;) {
          if (failed) throw new Error(`flood: ${failed}`);
          const i = frames.findIndex(pred);
          if (i >= 0) return frames.splice(i, 1)[0];
          await new Promise<void>((r) => (wake = r));
        }
      };
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error("flood: the socket did not open"));
      });
      ws.send(JSON.stringify({ type: "watch", rooms: [{ room_id: roomId, after_seq: 0 }] }));
      await until((f) => f.type === "caught_up");
      for (let from = 1; from <= count; from += 50) {
        const to = Math.min(count, from + 49);
        for (let i = from; i <= to; i++) {
          ws.send(JSON.stringify({ type: "send", room_id: roomId, client_msg_id: crypto.randomUUID(), body: `${prefix} ${i}` }));
        }
        for (let i = from; i <= to; i++) await until((f) => f.type === "ack");
        frames.length = 0;
      }
      ws.onclose = null;
      ws.close();
    },
    { roomId, count, prefix },
  );
  await side.close();
}

/** Stores these messages (a body, and the `seq` it answers) in a room through the page's
 *  own session, from a second tab over its own socket, one after the other; returns their
 *  seqs. For content a person could not type quickly (hostile Markdown, a reply 200
 *  messages back). */
export async function post(page: Page, roomId: number, messages: { body: string; reply_to?: number }[]): Promise<number[]> {
  const side = await page.context().newPage();
  await side.goto(new URL("/healthz", page.url()).href);
  const seqs = await side.evaluate(
    async ({ roomId, messages }) => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      const answers: any[] = [];
      let wake = () => {};
      ws.onmessage = (e) => {
        const f = JSON.parse(e.data);
        if (f.type === "ack" || f.type === "error" || f.type === "caught_up") answers.push(f);
        wake();
      };
      const next = async () => {
        while (answers.length === 0) await new Promise<void>((r) => (wake = r));
        return answers.shift();
      };
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error("post: the socket did not open"));
      });
      ws.send(JSON.stringify({ type: "watch", rooms: [{ room_id: roomId, after_seq: 0 }] }));
      await next();
      const seqs: number[] = [];
      for (const m of messages) {
        ws.send(JSON.stringify({ type: "send", room_id: roomId, client_msg_id: crypto.randomUUID(), ...m }));
        const answer = await next();
        if (answer.type !== "ack") throw new Error(`post: ${JSON.stringify(answer)}`);
        seqs.push(answer.seq);
      }
      ws.close();
      return seqs;
    },
    { roomId, messages },
  );
  await side.close();
  return seqs;
}
