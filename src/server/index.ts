export { createApp, MAX_BODY_BYTES } from "./app.js";
export { ConfigError, loadConfig, type NodeConfig } from "./config.js";
export type { AppDeps, AppEnv, Logger, SignetCaller } from "./env.js";
export { MANAGE_SCOPE, managementAuth } from "./middleware/management-auth.js";
export { type SignetOptions, signet } from "./middleware/signet.js";
export { createKeyService, type KeyService } from "./services/key-service.js";
