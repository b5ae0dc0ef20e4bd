-- Statements of accounts.py, loaded once by db.sql.statements(__file__).
-- The login throttle (table login_throttle, migration 0020): rows (username, source) per source on a
-- user name, ('', source) per source, (username, '') per user name.

-- name: throttle_forget
-- Failures long past, with no hold running, are forgotten.
DELETE FROM login_throttle
WHERE last_failure < now() - %(forget)s AND (blocked_until IS NULL OR blocked_until <= now())

-- name: throttle_state
-- How long this source is still held off this user name (or off every user name), in whole seconds,
-- and the failures on this user name from anywhere.
SELECT greatest(0, ceil(extract(epoch FROM max(blocked_until) FILTER (WHERE source = %(source)s) - now())))::int,
       coalesce(max(failures) FILTER (WHERE source = ''), 0)
FROM login_throttle
WHERE (username, source) IN ((%(username)s, %(source)s), ('', %(source)s), (%(username)s, ''))

-- name: throttle_fail
-- One more failure on each of the three rows. A source reaching its threshold (on this user name, or
-- on any) is held off for hold_base, doubled by each failure beyond it, at most hold_max; the
-- user name's own row only counts.
INSERT INTO login_throttle AS t (username, source, failures)
VALUES (%(username)s, %(source)s, 1), ('', %(source)s, 1), (%(username)s, '', 1)
ON CONFLICT (username, source) DO UPDATE SET
    failures = t.failures + 1,
    last_failure = now(),
    blocked_until = CASE
        WHEN t.source = '' THEN NULL
        WHEN t.failures + 1 >= CASE WHEN t.username = '' THEN %(max_source)s ELSE %(max_pair)s END
        THEN now() + least(%(hold_base)s * power(2, least(
                 t.failures + 1 - CASE WHEN t.username = '' THEN %(max_source)s ELSE %(max_pair)s END, 30)),
             %(hold_max)s)
    END
