-- Graves from zoom 15: every grave a point with its state, photo flag, name and plot (graves).
WITH bounds AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
         ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.015625), 4326) AS area
),
-- display_name is the first public martyr buried there, kept on the grave by triggers on martyrs;
-- public_graves has no known_name, and public_photos no photo, where a confidential martyr lies.
points AS (
  SELECT g.id, g.state, g.is_collective AS collective, g.cemetery_id AS cemetery,
         ph.grave_id IS NOT NULL AS photo,
         COALESCE(g.display_name, g.known_name) AS name,
         concat_ws(', ', 'hàng ' || g.row_label, 'mộ ' || g.plot_number) AS plot,
         ST_AsMVTGeom(ST_Transform(g.position, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, public_graves g
  LEFT JOIN public_photos ph ON ph.grave_id = g.id AND ph.is_current
  WHERE g.position && bounds.area
)
SELECT ST_AsMVT(points, 'graves', 4096, 'geom', 'id') AS mvt FROM points WHERE geom IS NOT NULL
