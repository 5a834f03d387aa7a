-- Graves from zoom 15: every grave a point with its state, photo flag, name and plot (graves).
WITH bounds AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
         ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.015625), 4326) AS area
),
tile_graves AS (
  SELECT g.id, g.state, g.is_collective, g.cemetery_id, g.known_name, g.row_label, g.plot_number, g.position
  FROM bounds, graves g
  WHERE g.position && bounds.area
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
SELECT ST_AsMVT(points, 'graves', 4096, 'geom', 'id') AS mvt FROM points WHERE geom IS NOT NULL
