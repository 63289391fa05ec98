// Signs a new person up through the real sign-up page, for the tools (the specs have
// support/people.ts). Resolves with their page once the room list is there.
export async function signUp(browser, base, username, name, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await page.goto(`${base}/signup`);
  await page.locator(".app[data-hydrated=true]").waitFor();
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="display_name"]').fill(name);
  await page.locator('input[name="password"]').fill(`password-${username}`);
  await page.locator('main button[type="submit"]').click();
  await page.getByTestId("my-rooms").waitFor({ state: "attached" });
  return page;
}
