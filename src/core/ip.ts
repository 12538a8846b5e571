import ipaddr from "ipaddr.js";

/** Validates a CIDR range (v4 or v6) and returns it in canonical text, or throws with the reason. */
export function normalizeCidr(range: string): string {
  try {
    const [address, prefix] = ipaddr.parseCIDR(
      range.includes("/") ? range : `${range}/${range.includes(":") ? 128 : 32}`,
    );
    return `${address.toString()}/${prefix}`;
  } catch {
    throw new Error(`invalid CIDR range ${JSON.stringify(range.slice(0, 60))}`);
  }
}

/**
 * Is `ip` inside one of `ranges`? An empty list allows any address; an unknown or
 * unparseable client address is never allowed (fail closed).
 */
export function ipAllowed(ranges: readonly string[], ip: string | undefined): boolean {
  if (ranges.length === 0) return true;
  if (!ip || !ipaddr.isValid(ip)) return false;
  const address = ipaddr.process(ip); // ::ffff:a.b.c.d becomes a.b.c.d
  return ranges.some((range) => {
    const [network, prefix] = ipaddr.parseCIDR(range);
    return address.kind() === network.kind() && address.match(network, prefix);
  });
}
