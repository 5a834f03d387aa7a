/**
 * What a phone writes into a photo that helps put it on the right grave: where it was taken (GPS
 * latitude and longitude, with the receiver's stated accuracy), which way the camera faced, and
 * when. Read from the original only; the public copies carry none of it.
 */
import exifr from 'exifr';

export type PhotoMetadata = {
  takenAt: Date | null;
  latitude: number | null;
  longitude: number | null;
  /** GPSHPositioningError: the receiver's horizontal error in metres, when the phone states it. */
  accuracyM: number | null;
  /** GPSImgDirection: degrees from north the camera faced, 0 ≤ d < 360. */
  direction: number | null;
};

/**
 * Phones write DateTimeOriginal as local clock time; newer ones add OffsetTimeOriginal. Without
 * an offset the photo is taken to be Vietnam's time (UTC+7, no daylight saving): these photos
 * are taken in Vietnamese cemeteries.
 */
const DEFAULT_OFFSET = '+07:00';

const NONE: PhotoMetadata = { takenAt: null, latitude: null, longitude: null, accuracyM: null, direction: null };

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Degrees, minutes, seconds (or a plain number) with its N/S/E/W reference, as signed degrees. */
function degrees(value: unknown, ref: unknown): number | null {
  let d: number | null = null;
  if (Array.isArray(value) && value.length >= 1) {
    const [deg, min = 0, sec = 0] = value.map(Number);
    if ([deg, min, sec].every((n) => Number.isFinite(n))) d = deg! + min / 60 + sec / 3600;
  } else d = finite(value);
  if (d === null) return null;
  return ref === 'S' || ref === 'W' ? -Math.abs(d) : d;
}

/** "2025:03:04 08:15:30" with an offset such as "+07:00" → a Date; null when it is not a real time. */
function exifTime(value: unknown, offset: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.trim());
  if (!m) return null;
  const zone = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim()) ? offset.trim() : DEFAULT_OFFSET;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`);
  return Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1990 ? null : date;
}

/** GPSDateStamp "2025:03:04" and GPSTimeStamp [h, m, s], always UTC. */
function gpsTime(date: unknown, time: unknown): Date | null {
  if (typeof date !== 'string' || !Array.isArray(time) || time.length < 3) return null;
  const [h, mi, s] = time.map(Number) as [number, number, number];
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return exifTime(`${date} ${pad(h)}:${pad(mi)}:${pad(s)}`, '+00:00');
}

/** Reads the position, direction and time; a photo without metadata (or with broken metadata) gives nulls. */
export async function readPhotoMetadata(data: Buffer): Promise<PhotoMetadata> {
  let raw: Record<string, unknown> | undefined;
  try {
    raw = await exifr.parse(data, {
      tiff: true, exif: true, gps: true, ifd1: false, interop: false, xmp: false, icc: false, iptc: false, jfif: false, ihdr: false,
      // Raw values: the time zone of DateTimeOriginal is decided here, not by the server's TZ.
      reviveValues: false, translateValues: false,
    });
  } catch {
    return NONE;
  }
  if (!raw) return NONE;
  let latitude = degrees(raw.GPSLatitude, raw.GPSLatitudeRef);
  let longitude = degrees(raw.GPSLongitude, raw.GPSLongitudeRef);
  // A receiver without a fix often writes 0,0; anything off the globe is broken.
  if (latitude === null || longitude === null || Math.abs(latitude) > 90 || Math.abs(longitude) > 180 || (latitude === 0 && longitude === 0)) {
    latitude = null;
    longitude = null;
  }
  const accuracy = finite(raw.GPSHPositioningError);
  const direction = finite(raw.GPSImgDirection);
  return {
    takenAt: exifTime(raw.DateTimeOriginal, raw.OffsetTimeOriginal) ?? gpsTime(raw.GPSDateStamp, raw.GPSTimeStamp),
    latitude,
    longitude,
    accuracyM: latitude !== null && accuracy !== null && accuracy >= 0 && accuracy < 100_000 ? accuracy : null,
    direction: direction !== null && direction >= 0 && direction <= 360 ? direction % 360 : null,
  };
}
