// Types for the `cloudflare:workers` module, taken from @cloudflare/workers-types' module
// flavour so the rest of the project keeps its Node and DOM globals.
declare module "cloudflare:workers" {
  import type { CloudflareWorkersModule } from "@cloudflare/workers-types";

  export const DurableObject: typeof CloudflareWorkersModule.DurableObject;
  export type DurableObject<Env = unknown> = CloudflareWorkersModule.DurableObject<Env>;
}
