-- A customer's name and email, the email split into words at @ and . (so "acme" finds ann@acme.io).
CREATE OR REPLACE FUNCTION "customer_search"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.search_vector := to_tsvector('simple', NEW.name || ' ' || translate(coalesce(NEW.email, ''), '@.', '  '));
  RETURN NEW;
END;
$fn$;
