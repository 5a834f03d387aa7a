-- Counts the hits of every limit in its window and, only when all have room and the last binding
-- is true, takes one hit on each. Runs after the keys' advisory locks, so that the count it reads is the
-- one its insert extends. Bindings: keys text[], maxima int[], window seconds int[], take boolean.
WITH wanted AS (
  SELECT * FROM unnest(?::text[], ?::int[], ?::int[]) AS w(key, max_hits, window_seconds)
),
counted AS (
  SELECT w.key, w.max_hits, w.window_seconds,
         (SELECT count(*) FROM rate_limit_hits h
          WHERE h.key = w.key AND h.at > now() - make_interval(secs => w.window_seconds)) AS hits,
         -- The hit whose expiry makes room again: the max_hits-th newest one.
         (SELECT h.at FROM rate_limit_hits h
          WHERE h.key = w.key AND h.at > now() - make_interval(secs => w.window_seconds)
          ORDER BY h.at DESC OFFSET w.max_hits - 1 LIMIT 1) AS blocking_at
  FROM wanted w
),
full_up AS (
  SELECT greatest(1, ceil(extract(epoch FROM blocking_at + make_interval(secs => window_seconds) - now())))::int AS wait
  FROM counted WHERE hits >= max_hits
),
taken AS (
  INSERT INTO rate_limit_hits (key)
  SELECT key FROM wanted WHERE ?::boolean AND NOT EXISTS (SELECT 1 FROM full_up)
  RETURNING id
)
SELECT (SELECT max(wait) FROM full_up) AS wait, (SELECT array_agg(id) FROM taken) AS ids
