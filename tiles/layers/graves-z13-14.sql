-- Graves at zoom 13-14: counts on a 16 x 16 grid in the tile (grave-counts, level 'grid').
WITH bounds AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
         ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.015625), 4326) AS area
),
counts AS (
  SELECT 'grid' AS level, CAST(NULL AS text) AS key, CAST(NULL AS text) AS name,
         count(*) AS total, count(*) FILTER (WHERE g.state <> 'identified') AS unidentified,
         ST_AsMVTGeom(ST_Centroid(ST_Collect(ST_Transform(g.position, 3857))), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, graves g
  WHERE g.position && bounds.area
  GROUP BY bounds.tile, ST_SnapToGrid(ST_Transform(g.position, 3857), (ST_XMax(bounds.tile) - ST_XMin(bounds.tile)) / 16)
)
SELECT ST_AsMVT(counts, 'grave-counts', 4096, 'geom') AS mvt FROM counts WHERE geom IS NOT NULL
