-- Graves at zoom 13-14: counts on a 16 x 16 grid in the tile (grave-counts, level 'grid').
WITH bounds AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
         ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.015625), 4326) AS area
),
-- Graves are snapped to the grid in degrees (a cell is a sixteenth of the tile's width), so only
-- the cells' centres are transformed to web mercator, not every grave of a dense area.
counts AS (
  SELECT 'grid' AS level, CAST(NULL AS text) AS key, CAST(NULL AS text) AS name,
         count(*) AS total, count(*) FILTER (WHERE g.state <> 'identified') AS unidentified,
         ST_AsMVTGeom(ST_Transform(ST_Centroid(ST_Collect(g.position)), 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, public_graves g
  WHERE g.position && bounds.area
  GROUP BY bounds.tile, ST_SnapToGrid(g.position, 360.0 / (2 ^ :z) / 16)
)
SELECT ST_AsMVT(counts, 'grave-counts', 4096, 'geom') AS mvt FROM counts WHERE geom IS NOT NULL
