-- The customer's search column is the answers explorer's (answers_search, generated): the inbox shares it.

-- DropIndex
DROP INDEX "conversation_workspace_id_updated_at_idx";

-- AlterTable
ALTER TABLE "conversation" ADD COLUMN     "order_xid" xid8 NOT NULL DEFAULT pg_current_xact_id();

-- AlterTable
ALTER TABLE "message" ADD COLUMN     "search_vector" tsvector;

-- CreateTable
CREATE TABLE "conversation_order_change" (
    "id" BIGSERIAL NOT NULL,
    "conversation_id" UUID NOT NULL,
    "xid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "conversation_order_change_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "conversation_order_change_conversation_id_id_idx" ON "conversation_order_change"("conversation_id", "id");

-- CreateIndex
CREATE INDEX "conversation_order_change_recorded_at_idx" ON "conversation_order_change"("recorded_at");

-- CreateIndex
CREATE INDEX "conversation_workspace_id_updated_at_id_idx" ON "conversation"("workspace_id", "updated_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "conversation_workspace_id_order_xid_idx" ON "conversation"("workspace_id", "order_xid");

-- CreateIndex
CREATE INDEX "message_search_vector_idx" ON "message" USING GIN ("search_vector");



-- prisma/functions/conversation_order.sql
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


-- prisma/functions/message_search.sql
-- The words searchConversations finds a message by ('simple': no language's stemming, any script).
CREATE OR REPLACE FUNCTION "message_search"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.search_vector := to_tsvector('simple', NEW.body);
  RETURN NEW;
END;
$fn$;

CREATE TRIGGER "conversation_order" BEFORE UPDATE OF "updated_at" ON "conversation"
  FOR EACH ROW EXECUTE FUNCTION "conversation_order"();
CREATE TRIGGER "message_search" BEFORE INSERT OR UPDATE OF "body" ON "message"
  FOR EACH ROW EXECUTE FUNCTION "message_search"();

-- The rows already there.
UPDATE "message" SET "search_vector" = to_tsvector('simple', "body");
