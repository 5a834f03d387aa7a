/** Widening the portal's Content-Security-Policy for one response, one origin at a time. */

/**
 * The policy with `origin` added to each named directive (created from default-src when absent).
 * Used only by the map page, and only when an online basemap is configured: its tiles come from
 * another origin as images fetched by MapLibre.
 */
export function allowOrigin(policy: string, origin: string, directives: string[]): string {
  const parts = policy.split(';').map((p) => p.trim()).filter(Boolean);
  const byName = new Map(parts.map((p) => [p.split(/\s+/)[0]!, p]));
  for (const name of directives) {
    const current = byName.get(name) ?? byName.get('default-src')?.replace(/^default-src/, name) ?? name;
    byName.set(name, current.split(/\s+/).includes(origin) ? current : `${current} ${origin}`);
  }
  return [...byName.values()].join(';');
}
