-- One search document per grave that carries no or partial information (mộ chưa xác định danh
-- tính): what the headstone says is all a relative can match against. Read from public_headstones:
-- a grave whose headstone is withheld (a confidential martyr lies there) has no document.
WITH selected AS (SELECT unnest(?::bigint[]) AS id)
SELECT
  g.id,
  g.state,
  g.is_collective,
  g.known_name,
  g.known_unit,
  g.known_hometown,
  g.known_place_of_death,
  g.known_death_year, g.known_death_month, g.known_death_day,
  g.row_label, g.plot_number,
  s.code AS section_code, s.kind AS section_kind,
  c.id AS cemetery_id,
  c.name AS cemetery_name,
  c.province_code AS cemetery_province_code,
  c.old_province_code AS cemetery_old_province_code,
  cp.name AS cemetery_province_name,
  array_remove(ARRAY[g.known_hometown, cp.name, cop.name], NULL) AS place_names,
  ST_Y(COALESCE(g.position, c.location)) AS lat,
  ST_X(COALESCE(g.position, c.location)) AS lng,
  ph.thumb_key AS photo_thumb_key,
  ph.page_key AS photo_page_key
FROM selected
JOIN public_headstones g ON g.id = selected.id
JOIN cemeteries c ON c.id = g.cemetery_id
LEFT JOIN cemetery_sections s ON s.id = g.section_id
LEFT JOIN provinces cp ON cp.code = c.province_code
LEFT JOIN old_provinces cop ON cop.code = c.old_province_code
LEFT JOIN public_photos ph ON ph.grave_id = g.id AND ph.is_current
WHERE g.state <> 'identified'
ORDER BY g.id
