-- Graves. From zoom 15 every grave is a point with its state, photo flag and name; below that the
-- same tile carries counts instead, so a national view of a million graves stays light:
--   zoom 0-7   one point per province (grave-counts, level 'province')
--   zoom 8-12  one point per cemetery (grave-counts, level 'cemetery')
--   zoom 13-14 counts on a 16 x 16 grid in the tile (grave-counts, level 'grid')
-- The tile envelope is transformed to EPSG:4326, the columns' SRID, so the GiST indexes are used.
WITH bounds AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
         ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.015625), 4326) AS area
),
province_counts AS (
  SELECT p.code, p.name, sum(s.identified + s.partial + s.unknown) AS total, sum(s.partial + s.unknown) AS unidentified,
         ST_AsMVTGeom(ST_Transform(pp.geom, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, provinces p
  JOIN basemap_province_points pp ON pp.code = p.code
  JOIN cemeteries c ON c.province_code = p.code
  JOIN cemetery_stats s ON s.cemetery_id = c.id
  WHERE :z <= 7 AND pp.geom && bounds.area
  GROUP BY p.code, p.name, pp.geom, bounds.tile
),
cemetery_counts AS (
  SELECT c.id, c.name, s.identified + s.partial + s.unknown AS total, s.partial + s.unknown AS unidentified,
         ST_AsMVTGeom(ST_Transform(c.location, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, cemeteries c JOIN cemetery_stats s ON s.cemetery_id = c.id
  WHERE :z BETWEEN 8 AND 12 AND c.location && bounds.area AND s.identified + s.partial + s.unknown > 0
),
grid_counts AS (
  SELECT count(*) AS total, count(*) FILTER (WHERE g.state <> 'identified') AS unidentified,
         ST_AsMVTGeom(ST_Centroid(ST_Collect(ST_Transform(g.position, 3857))), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, graves g
  WHERE :z BETWEEN 13 AND 14 AND g.position && bounds.area
  GROUP BY bounds.tile, ST_SnapToGrid(ST_Transform(g.position, 3857), (ST_XMax(bounds.tile) - ST_XMin(bounds.tile)) / 16)
),
counts AS (
  SELECT 'province' AS level, code AS key, name, total, unidentified, geom FROM province_counts
  UNION ALL SELECT 'cemetery', CAST(id AS text), name, total, unidentified, geom FROM cemetery_counts
  UNION ALL SELECT 'grid', NULL, NULL, total, unidentified, geom FROM grid_counts
),
tile_graves AS (
  SELECT g.id, g.state, g.is_collective, g.cemetery_id, g.known_name, g.row_label, g.plot_number, g.position
  FROM bounds, graves g
  WHERE :z >= 15 AND g.position && bounds.area
),
-- One public name per grave (the first martyr of a collective grave), looked up for this tile only.
names AS (
  SELECT DISTINCT ON (m.grave_id) m.grave_id, m.full_name
  FROM tile_graves tg JOIN martyrs m ON m.grave_id = tg.id
  WHERE m.is_public
  ORDER BY m.grave_id, m.id
),
points AS (
  SELECT tg.id, tg.state, tg.is_collective AS collective, tg.cemetery_id AS cemetery,
         ph.grave_id IS NOT NULL AS photo,
         COALESCE(n.full_name, tg.known_name) AS name,
         concat_ws(', ', 'hàng ' || tg.row_label, 'mộ ' || tg.plot_number) AS plot,
         ST_AsMVTGeom(ST_Transform(tg.position, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, tile_graves tg
  LEFT JOIN names n ON n.grave_id = tg.id
  LEFT JOIN photos ph ON ph.grave_id = tg.id AND ph.is_current
)
SELECT
  (SELECT ST_AsMVT(counts, 'grave-counts', 4096, 'geom') FROM counts WHERE geom IS NOT NULL) ||
  (SELECT ST_AsMVT(points, 'graves', 4096, 'geom', 'id') FROM points WHERE geom IS NOT NULL) AS mvt
