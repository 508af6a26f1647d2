-- searchConversations pages against the inbox's order as it stood when the walk began: a change to
-- updated_at keeps the old value in conversation_order_change and marks the row with its
-- transaction (order_xid), so a walk's snapshot can tell moved rows and where they stood. One row
-- per conversation and transaction (the first change's old value is the one a snapshot needs).
CREATE OR REPLACE FUNCTION "conversation_order"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.updated_at IS DISTINCT FROM OLD.updated_at THEN
    IF OLD.order_xid IS DISTINCT FROM pg_current_xact_id() THEN
      INSERT INTO conversation_order_change (conversation_id, updated_at) VALUES (OLD.id, OLD.updated_at);
      NEW.order_xid := pg_current_xact_id();
    END IF;
  END IF;
  RETURN NEW;
END;
$fn$;
