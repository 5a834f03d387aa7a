/**
 * Links that open a position in the phone's map app or a map site. Plain links: the page itself
 * makes no request to any of these services.
 */

/** `route`: a route from where the phone is to the point (Google Maps' directions), for the "Directions" buttons. */
export type DirectionLinks = { geo: string; google: string; route: string; osm: string; apple: string; lat: string; lng: string };

/** Six decimals is about 10 cm: more than any position we hold. */
const coordinate = (n: number) => String(Math.round(n * 1e6) / 1e6);

export function directionLinks(lat: number, lng: number, label: string): DirectionLinks {
  const la = coordinate(lat);
  const ln = coordinate(lng);
  // RFC 5870 geo: URI, with Android's q=lat,lng(label) so the pin carries the name.
  const cleanLabel = label.replace(/[()]/g, ' ').replace(/\s+/g, ' ').trim();
  return {
    lat: la,
    lng: ln,
    geo: `geo:${la},${ln}?q=${la},${ln}(${encodeURIComponent(cleanLabel)})`,
    google: `https://www.google.com/maps/search/?api=1&query=${la},${ln}`,
    route: `https://www.google.com/maps/dir/?api=1&destination=${la},${ln}`,
    osm: `https://www.openstreetmap.org/?mlat=${la}&mlon=${ln}#map=18/${la}/${ln}`,
    apple: `https://maps.apple.com/?ll=${la},${ln}&q=${encodeURIComponent(cleanLabel)}`,
  };
}
