-- Failed logins are counted per (user name, source address), per source and per user name, instead
-- of on the account: a lock on the account let anyone keep its owner out, and answered differently
-- for accounts that exist. What the counts mean is layers/access/accounts.py's (throttle_* statements).
--
-- One table, three kinds of row, told apart by which key is empty:
--   (username, source)  failures of one source on one user name: that source is held off it
--   ('',       source)  failures of one source on any user name: that source is held off all of them
--   (username, '')      failures on one user name from anywhere: its attempts are slowed, never refused
-- The user name is what was typed, whether or not such an account exists.
CREATE TABLE login_throttle (
    username      text NOT NULL,
    source        text NOT NULL,
    failures      int NOT NULL CHECK (failures > 0),
    last_failure  timestamptz NOT NULL DEFAULT now(),
    blocked_until timestamptz,
    PRIMARY KEY (username, source),
    CHECK (username <> '' OR source <> '')
);
CREATE INDEX login_throttle_last_failure_idx ON login_throttle (last_failure);

-- Who failed to log in from where is the owner's (login's) business only: no request role reads it.
-- Row-level security without a policy, so ra_secure_shared_tables() leaves it alone as well.
REVOKE ALL ON login_throttle FROM riskatlas_web;
ALTER TABLE login_throttle ENABLE ROW LEVEL SECURITY;

-- The account-wide lock is gone.
ALTER TABLE app_user DROP COLUMN failed_logins, DROP COLUMN locked_until;
