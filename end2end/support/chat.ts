// Steps of the chat stories, as a person does them in the page.
import { Page, expect } from "@playwright/test";
import { Person, open } from "./people";

/** From the room list, opens (or finds) the direct room with `other`. */
export async function openDirect(person: Person, other: Person): Promise<string> {
  await open(person.page, "/");
  await person.page.getByPlaceholder("Username to message").fill(other.username);
  await person.page.getByRole("button", { name: "Message", exact: true }).click();
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
  const box = page.getByLabel("Message");
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
