/** PEM armour for DER bytes (PKCS#8, SPKI). */
export function toPem(label: "PRIVATE KEY" | "PUBLIC KEY", der: Uint8Array): string {
  let binary = "";
  for (const byte of der) binary += String.fromCharCode(byte);
  const body = btoa(binary).replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** The DER inside one PEM block with the given label, or null. */
export function fromPem(label: "PRIVATE KEY" | "PUBLIC KEY", pem: string): Uint8Array | null {
  const match = new RegExp(
    `^\\s*-----BEGIN ${label}-----\\r?\\n([A-Za-z0-9+/=\\r\\n]+)-----END ${label}-----\\s*$`,
  ).exec(pem);
  if (!match?.[1]) return null;
  try {
    const binary = atob(match[1].replace(/[\r\n]/g, ""));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
