-- Instant hand-off: a committed webhook delivery wakes every process's webhook sender
-- (LISTEN hydra_webhooks; trigger webhook_delivery_notify, once per inserted row, folded into one
-- notification per transaction by PostgreSQL; a statement that inserts no row notifies no one).
CREATE OR REPLACE FUNCTION "webhook_delivery_notify"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('hydra_webhooks', '');
  RETURN NULL;
END;
$fn$;
