-- One search document per public martyr, with its grave, cemetery and current photo folded in.
-- What is public is what the public_* views give (migration 20261201000301).
-- The one binding is the array of ids to build (from the outbox, or the next page of a rebuild).
WITH selected AS (SELECT unnest(?::bigint[]) AS id)
SELECT
  m.id,
  m.full_name,
  m.aliases,
  m.gender,
  m.birth_year, m.birth_month, m.birth_day,
  m.death_year, m.death_month, m.death_day,
  m.hometown_text,
  m.hometown_province_code,
  hp.name  AS hometown_province_name,
  m.hometown_old_province_code,
  array_remove(ARRAY[
    m.hometown_text, oc.name, od.name, op.name, hc.name, hp.name,
    cp.name, cop.name
  ] || COALESCE(hist.names, '{}'), NULL) AS place_names,
  m.place_of_death,
  m.unit,
  m.rank,
  g.id AS grave_id,
  g.row_label, g.plot_number,
  s.code AS section_code, s.kind AS section_kind,
  c.id AS cemetery_id,
  c.name AS cemetery_name,
  c.province_code AS cemetery_province_code,
  c.old_province_code AS cemetery_old_province_code,
  cp.name AS cemetery_province_name,
  ST_Y(COALESCE(g.position, c.location)) AS lat,
  ST_X(COALESCE(g.position, c.location)) AS lng,
  ph.thumb_key AS photo_thumb_key,
  ph.page_key AS photo_page_key
FROM selected
JOIN public_martyrs m ON m.id = selected.id
LEFT JOIN old_communes oc ON oc.code = m.hometown_old_commune_code
LEFT JOIN old_districts od ON od.code = m.hometown_old_district_code
LEFT JOIN old_provinces op ON op.code = m.hometown_old_province_code
LEFT JOIN communes hc ON hc.code = m.hometown_commune_code
LEFT JOIN provinces hp ON hp.code = m.hometown_province_code
LEFT JOIN LATERAL (
  SELECT array_agg(s.historical_name ORDER BY s.historical_name) AS names
  FROM historical_province_successors s WHERE s.old_province_code = m.hometown_old_province_code
) hist ON true
LEFT JOIN public_graves g ON g.id = m.grave_id
LEFT JOIN cemetery_sections s ON s.id = g.section_id
LEFT JOIN cemeteries c ON c.id = g.cemetery_id
LEFT JOIN provinces cp ON cp.code = c.province_code
LEFT JOIN old_provinces cop ON cop.code = c.old_province_code
LEFT JOIN public_photos ph ON ph.grave_id = g.id AND ph.is_current
ORDER BY m.id
