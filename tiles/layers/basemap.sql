-- The offline basemap: Vietnam's land from the reference boundaries, the neighbouring countries
-- (Natural Earth), rivers (WDBII: the major ones from zoom 6, more from 8, 10 and 11), the 34 provinces
-- of today, the 63 provinces before July 2025 (a layer the map can switch to), districts before
-- 2025 from zoom 8, and label points: provinces, districts from zoom 8, neighbours, seas and the
-- archipelagos. Geometry is simplified to about a pixel at the tile's zoom before clipping.
WITH bounds AS (
  SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
         ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 0.015625), 4326) AS area,
         360.0 / (2 ^ :z) / 4096 AS pixel
),
land AS (
  SELECT ST_AsMVTGeom(ST_Transform(ST_SimplifyPreserveTopology(ST_Intersection(l.geom, bounds.area), bounds.pixel), 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, basemap_land l WHERE l.geom && bounds.area
),
countries AS (
  -- Cut to the tile first: China is larger than any tile below zoom 3 needs. Simplified to a
  -- screen pixel (8 tile units), not an eighth of one: the neighbours are context, and this
  -- halves their weight in the first view.
  SELECT c.code, ST_AsMVTGeom(ST_Transform(ST_SimplifyPreserveTopology(ST_Intersection(c.geom, bounds.area), bounds.pixel * 8), 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, basemap_countries c WHERE c.geom && bounds.area
),
rivers AS (
  SELECT r.level, ST_AsMVTGeom(ST_Transform(ST_Simplify(r.geom, bounds.pixel), 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, basemap_rivers r
  WHERE r.geom && bounds.area AND r.level <= CASE WHEN :z >= 11 THEN 5 WHEN :z >= 10 THEN 4 WHEN :z >= 8 THEN 3 WHEN :z >= 6 THEN 2 ELSE 0 END
),
provinces AS (
  SELECT p.code, p.name, ST_AsMVTGeom(ST_Transform(ST_SimplifyPreserveTopology(p.geom, bounds.pixel), 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, provinces p WHERE p.geom && bounds.area
),
old_provinces AS (
  SELECT o.code, o.name, ST_AsMVTGeom(ST_Transform(ST_SimplifyPreserveTopology(o.geom, bounds.pixel), 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, old_provinces o WHERE o.geom && bounds.area
),
old_districts AS (
  SELECT d.code, d.name, ST_AsMVTGeom(ST_Transform(ST_SimplifyPreserveTopology(d.geom, bounds.pixel), 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, old_districts d WHERE :z >= 8 AND d.geom && bounds.area
),
labels AS (
  SELECT CASE WHEN pp.code LIKE 'old-%' THEN 'province-2024' ELSE 'province' END AS kind, pp.name, pp.name AS name_en,
         ST_AsMVTGeom(ST_Transform(pp.geom, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM bounds, basemap_province_points pp WHERE pp.geom && bounds.area
  UNION ALL
  SELECT 'district', dp.name, dp.name, ST_AsMVTGeom(ST_Transform(dp.geom, 3857), bounds.tile, 4096, 64, true)
  FROM bounds, basemap_district_points dp WHERE :z >= 8 AND dp.geom && bounds.area
  UNION ALL
  SELECT np.kind, np.name_vi, np.name_en, ST_AsMVTGeom(ST_Transform(np.geom, 3857), bounds.tile, 4096, 64, true)
  FROM bounds, basemap_named_points np WHERE np.geom && bounds.area
)
SELECT
  (SELECT ST_AsMVT(countries, 'countries', 4096, 'geom') FROM countries WHERE geom IS NOT NULL) ||
  (SELECT ST_AsMVT(land, 'land', 4096, 'geom') FROM land WHERE geom IS NOT NULL) ||
  (SELECT ST_AsMVT(rivers, 'rivers', 4096, 'geom') FROM rivers WHERE geom IS NOT NULL) ||
  (SELECT ST_AsMVT(provinces, 'provinces', 4096, 'geom') FROM provinces WHERE geom IS NOT NULL) ||
  (SELECT ST_AsMVT(old_provinces, 'provinces-2024', 4096, 'geom') FROM old_provinces WHERE geom IS NOT NULL) ||
  (SELECT ST_AsMVT(old_districts, 'districts-2024', 4096, 'geom') FROM old_districts WHERE geom IS NOT NULL) ||
  (SELECT ST_AsMVT(labels, 'labels', 4096, 'geom') FROM labels WHERE geom IS NOT NULL) AS mvt
