-- Instant hand-off: a committed insert into the outbox wakes every process's sender
-- (LISTEN hydra_outbox; trigger email_outbox_notify, once per statement).
CREATE OR REPLACE FUNCTION "email_outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('hydra_outbox', '');
  RETURN NULL;
END;
$fn$;
