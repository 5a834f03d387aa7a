-- Graves at zoom 8-12: one point per cemetery with its grave counts (grave-counts, level 'cemetery').
WITH bounds AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
         ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.015625), 4326) AS area
),
counts AS (
  SELECT 'cemetery' AS level, CAST(c.id AS text) AS key, c.name, s.identified + s.partial + s.unknown AS total, s.partial + s.unknown AS unidentified,
         ST_AsMVTGeom(ST_Transform(c.location, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, cemeteries c JOIN cemetery_stats s ON s.cemetery_id = c.id
  WHERE c.location && bounds.area AND s.identified + s.partial + s.unknown > 0
)
SELECT ST_AsMVT(counts, 'grave-counts', 4096, 'geom') AS mvt FROM counts WHERE geom IS NOT NULL
