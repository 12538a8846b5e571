import { defineConfig } from "vitest/config";

// Fast suites first; the slow ones (real servers, gateways, workerd, Chromium) are their own
// projects, and `npm test` runs them all.
const slow = { testTimeout: 60_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/integration/**", "test/browser/**", "test/workers/**"],
          testTimeout: 20_000,
        },
      },
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], ...slow } },
      { extends: true, test: { name: "integration", include: ["test/integration/**/*.test.ts"], ...slow } },
      { extends: true, test: { name: "browser", include: ["test/browser/**/*.test.ts"], ...slow } },
      { extends: true, test: { name: "workers", include: ["test/workers/**/*.test.ts"], ...slow } },
    ],
  },
});
