import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort, start } from "./server";

export default async function globalSetup() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "parlor-e2e-"));
  const port = await freePort();
  await start(port, dataDir);
}
