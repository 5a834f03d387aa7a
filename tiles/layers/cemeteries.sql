-- Martyrs' cemeteries: a point for each at every zoom (with its level and grave counts), its
-- boundary from zoom 13, and its sections (khu / lô) with their codes from zoom 15.
WITH bounds AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
         ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.015625), 4326) AS area
),
points AS (
  SELECT c.id, c.name, c.level, c.province_code AS province,
         COALESCE(s.identified, 0) AS identified, COALESCE(s.partial, 0) + COALESCE(s.unknown, 0) AS unidentified,
         ST_AsMVTGeom(ST_Transform(c.location, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, cemeteries c LEFT JOIN cemetery_stats s ON s.cemetery_id = c.id
  WHERE c.location && bounds.area
),
areas AS (
  SELECT c.id, c.name, ST_AsMVTGeom(ST_Transform(c.boundary, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, cemeteries c
  WHERE :z >= 13 AND c.boundary && bounds.area
),
sections AS (
  SELECT s.id, s.cemetery_id AS cemetery, s.code, s.kind, ST_AsMVTGeom(ST_Transform(s.boundary, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, cemetery_sections s
  WHERE :z >= 15 AND s.boundary && bounds.area
)
SELECT
  (SELECT ST_AsMVT(points, 'cemeteries', 4096, 'geom', 'id') FROM points WHERE geom IS NOT NULL) ||
  (SELECT ST_AsMVT(areas, 'cemetery-areas', 4096, 'geom', 'id') FROM areas WHERE geom IS NOT NULL) ||
  (SELECT ST_AsMVT(sections, 'cemetery-sections', 4096, 'geom', 'id') FROM sections WHERE geom IS NOT NULL) AS mvt
