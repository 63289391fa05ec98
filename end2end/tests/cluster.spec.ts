// Two nodes on one PostgreSQL and one Redis (started by scripts/services.sh; the spec makes
// its own database and channel prefix): Alice's browser talks to node A, Bob's to node B.
// They chat in a direct room and a group room, see each other online and typing, and every
// message shows once, in the same order on both pages.
import { test, expect, type Browser, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bubbles, say } from "../support/chat";
import { newPerson, open, type Person } from "../support/people";
import { alive, freePort, spawnServer } from "../support/server";

const postgres = process.env.TEST_POSTGRES_URL;
const redis = process.env.TEST_REDIS_URL;

interface Node {
  url: string;
  pid: number;
}

async function startNodes(): Promise<Node[]> {
  if (!postgres || !redis) {
    throw new Error("TEST_POSTGRES_URL and TEST_REDIS_URL: run through make test (scripts/services.sh)");
  }
  const run = `${Date.now().toString(36)}${process.pid}`;
  const db = `parlor_e2e_${run}`;
  execFileSync("psql", [postgres, "-q", "-c", `CREATE DATABASE ${db}`]);
  const databaseUrl = postgres.replace(/\/[^/]*$/, `/${db}`);
  const nodes: Node[] = [];
  for (const name of ["a", "b"]) {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `parlor-node-${name}-`));
    const pid = await spawnServer(port, dir, {
      PARLOR_DATABASE_URL: databaseUrl,
      PARLOR_REDIS_URL: redis,
      PARLOR_BUS_PREFIX: `e2e${run}:`,
      PARLOR_NODE_ID: name,
    });
    nodes.push({ url: `http://127.0.0.1:${port}`, pid });
  }
  return nodes;
}

function stopNodes(nodes: Node[]) {
  for (const n of nodes) if (alive(n.pid)) process.kill(n.pid, "SIGTERM");
}

/** The bodies of the log's stored bubbles, top to bottom. */
async function logBodies(page: Page): Promise<string[]> {
  return page.locator(".bubble:not(.pending) .body").allTextContents();
}

async function enter(page: Page, base: string, room: string) {
  await open(page, room, base);
  await expect(page.getByTestId("online-count")).not.toHaveText(/^0 /);
}

/** Calls a server function from the page (same origin, the page's own session). */
async function call(page: Page, name: string, form: Record<string, string>): Promise<unknown> {
  return page.evaluate(
    async ([name, form]) => {
      const res = await fetch(`/api/${name}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form as Record<string, string>).toString(),
      });
      if (!res.ok) throw new Error(`${name}: ${res.status} ${await res.text()}`);
      const text = await res.text();
      return text ? JSON.parse(text) : null;
    },
    [name, form] as const,
  );
}

test("Alice on node A and Bob on node B chat, see each other, and agree on every message", async ({
  browser,
}: {
  browser: Browser;
}) => {
  test.setTimeout(90_000);
  const nodes = await startNodes();
  try {
    const [a, b] = nodes;
    const alice: Person = await newPerson(browser, "alice", "Alice", "en-US", a.url);
    const bob: Person = await newPerson(browser, "bob", "Bob", "en-US", b.url);

    // A direct room, opened by Alice on A, entered by Bob on B.
    const roomId = (await call(alice.page, "open_direct", { username: bob.username })) as number;
    const direct = `/rooms/${roomId}`;
    await enter(alice.page, a.url, direct);
    await enter(bob.page, b.url, direct);
    await expect(alice.page.getByTestId("online-count")).toHaveText("2 online");
    await expect(bob.page.getByTestId("online-count")).toHaveText("2 online");

    // Typing crosses nodes.
    await bob.page.locator(".composer textarea").pressSequentially("typing…");
    await expect(alice.page.getByTestId("typing")).toContainText("Bob");
    await bob.page.locator(".composer textarea").fill("");

    // Messages both ways, interleaved, each shown once, in one order on both pages.
    const sent: string[] = [];
    for (let k = 0; k < 6; k++) {
      const [who, text] = k % 2 === 0 ? [alice, `from A ${k}`] : [bob, `from B ${k}`];
      await say(who.page, text);
      sent.push(text);
      await expect(bubbles(alice.page, text)).toHaveCount(1);
      await expect(bubbles(bob.page, text)).toHaveCount(1);
    }
    expect(await logBodies(alice.page)).toEqual(sent);
    expect(await logBodies(bob.page)).toEqual(sent);

    // A group room: created on A, joined on B; both write at once.
    const group = (await call(alice.page, "create_room", { name: "two nodes", public: "on" })) as number;
    await call(bob.page, "join_room", { room_id: String(group) });
    await enter(alice.page, a.url, `/rooms/${group}`);
    await enter(bob.page, b.url, `/rooms/${group}`);
    await expect(bob.page.getByTestId("online-count")).toHaveText("2 online");
    const burst: string[] = [];
    for (let k = 0; k < 4; k++) burst.push(`A${k}`, `B${k}`);
    await Promise.all([
      (async () => { for (let k = 0; k < 4; k++) await say(alice.page, `A${k}`); })(),
      (async () => { for (let k = 0; k < 4; k++) await say(bob.page, `B${k}`); })(),
    ]);
    for (const text of burst) {
      await expect(bubbles(alice.page, text)).toHaveCount(1);
      await expect(bubbles(bob.page, text)).toHaveCount(1);
    }
    const seenA = await logBodies(alice.page);
    expect(seenA.sort()).toEqual([...burst].sort());
    // Both pages show the one order: the room's seq.
    expect(await logBodies(alice.page)).toEqual(await logBodies(bob.page));

    // Alice leaves the room: Bob, on the other node, sees the count drop.
    await open(alice.page, "/", a.url);
    await expect(bob.page.getByTestId("online-count")).toHaveText("1 online");
  } finally {
    stopNodes(nodes);
  }
});
