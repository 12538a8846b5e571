import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/store/prisma/migrate.js";

/** The public test vectors in shared/, which sits beside the repository (CI clones it there too). */
export const TESTDATA = process.env.SIGNET_TESTDATA ?? join(PROJECT_ROOT, "..", "shared", "testdata");
