import { generateKeyPairSync } from "node:crypto";
const t = performance.now();
for (let i = 0; i < 10000; i++) {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  publicKey.export({ format: "jwk" });
  privateKey.export({ format: "der", type: "pkcs8" });
  if (i % 2000 === 0) process.stderr.write(`${i} ${(performance.now() - t).toFixed(0)}\n`);
}
process.stderr.write(`done ${(performance.now() - t).toFixed(0)}\n`);
