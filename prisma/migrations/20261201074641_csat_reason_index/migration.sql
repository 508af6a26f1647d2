-- CreateIndex
CREATE INDEX "csat_survey_workspace_id_reason_dispatched_at_idx" ON "csat_survey"("workspace_id", "reason", "dispatched_at");

