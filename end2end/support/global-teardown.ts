import * as fs from "node:fs";
import { readState, stop } from "./server";

export default async function globalTeardown() {
  const { dataDir } = readState();
  await stop("SIGTERM");
  if (!process.env.E2E_KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
}
