export { type Credentials, type CredentialsSource, loadCredentials } from "./credentials.js";
export { createSignedFetch, type SignedFetchOptions, signedFetch } from "./signed-fetch.js";
export { createSigner, htuOf, type SignRequest, type Signer, type SignerOptions } from "./signer.js";
