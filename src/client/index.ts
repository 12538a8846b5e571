export { type Credentials, type CredentialsSource, loadCredentials } from "./credentials.js";
export { createSignedFetch, type SignedFetchOptions, signedFetch } from "./signed-fetch.js";
export { createSigner, htuOf, type Signer, type SignerOptions, type SignRequest } from "./signer.js";
