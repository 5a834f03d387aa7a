-- Graves at zoom 0-7: one point per province with its grave counts (grave-counts, level 'province').
-- Counts come from cemetery_stats, kept exact by triggers: no grave is read.
WITH bounds AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
         ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.015625), 4326) AS area
),
counts AS (
  SELECT 'province' AS level, p.code AS key, p.name, sum(s.identified + s.partial + s.unknown) AS total, sum(s.partial + s.unknown) AS unidentified,
         ST_AsMVTGeom(ST_Transform(pp.geom, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, provinces p
  JOIN basemap_province_points pp ON pp.code = p.code
  JOIN cemeteries c ON c.province_code = p.code
  JOIN cemetery_stats s ON s.cemetery_id = c.id
  WHERE pp.geom && bounds.area
  GROUP BY p.code, p.name, pp.geom, bounds.tile
)
SELECT ST_AsMVT(counts, 'grave-counts', 4096, 'geom') AS mvt FROM counts WHERE geom IS NOT NULL
