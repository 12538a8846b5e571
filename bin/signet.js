#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx signet` works straight from a checkout or install.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
