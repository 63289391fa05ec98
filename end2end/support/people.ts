// People for the stories: each signs up through the real pages in their own browser context.
import { Browser, BrowserContext, Page, expect } from "@playwright/test";
import { baseUrl } from "./server";

export interface Person {
  username: string;
  displayName: string;
  password: string;
  context: BrowserContext;
  page: Page;
}

let counter = 0;

/** A username unique to this run, e.g. `alice-k3x9-1`. */
export function uniqueName(base: string): string {
  counter += 1;
  return `${base}-${Date.now().toString(36).slice(-4)}${Math.random().toString(36).slice(2, 5)}-${counter}`;
}

/** Goes to `path` (on `base`, the spec server by default) and waits until the page has
 *  hydrated. */
export async function open(page: Page, path: string, base = baseUrl()): Promise<void> {
  await page.goto(base + path);
  await expect(page.locator(".app")).toHaveAttribute("data-hydrated", "true");
}

// Fields are found by name, not label, so the helpers work in every interface language.
export async function signUpOn(
  page: Page,
  username: string,
  displayName: string,
  password: string,
  base = baseUrl(),
) {
  await open(page, "/signup", base);
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="display_name"]').fill(displayName);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('main button[type="submit"]').click();
}

export async function signInOn(page: Page, username: string, password: string) {
  await open(page, "/signin");
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('main button[type="submit"]').click();
}

/** A new person, signed up and looking at their room list. */
export async function newPerson(
  browser: Browser,
  base: string,
  displayName?: string,
  locale = "en-US",
  server = baseUrl(),
): Promise<Person> {
  const context = await browser.newContext({ locale });
  const page = await context.newPage();
  const username = uniqueName(base);
  const person = {
    username,
    displayName: displayName ?? base[0].toUpperCase() + base.slice(1),
    password: "correct horse battery",
    context,
    page,
  };
  await signUpOn(page, username, person.displayName, person.password, server);
  await expect(page.getByTestId("me")).toHaveText(person.displayName);
  await expect(page.getByTestId("my-rooms")).toBeAttached();
  return person;
}
