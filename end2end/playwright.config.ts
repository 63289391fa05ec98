import { defineConfig } from "@playwright/test";

// One Parlor server (started by global-setup on a free loopback port with a fresh SQLite
// file) serves every spec; specs run one at a time because one of them restarts it.
// Two projects: `chromium` (every spec in tests/) and `no-js` (tests-no-js/, JavaScript
// off: what the server's HTML alone must do).
export default defineConfig({
  projects: [
    { name: "chromium", testDir: "./tests" },
    { name: "no-js", testDir: "./tests-no-js", use: { javaScriptEnabled: false } },
  ],
  globalSetup: "./support/global-setup.ts",
  globalTeardown: "./support/global-teardown.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // A debug WASM takes 2 to 3 s to hydrate each page on a loaded 2-core machine; stories
  // with several people and reloads pass 30 s there (one did in CI at 30.0 s).
  timeout: 60_000,
  expect: { timeout: 5_000 },
  reporter: [["list"]],
  use: {
    browserName: "chromium",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
});
