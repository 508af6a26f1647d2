-- The words searchConversations finds a message by ('simple': no language's stemming, any script).
CREATE OR REPLACE FUNCTION "message_search"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.search_vector := to_tsvector('simple', NEW.body);
  RETURN NEW;
END;
$fn$;
