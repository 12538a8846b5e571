-- CreateTable
CREATE TABLE "replay_entries" (
    "key_id" TEXT NOT NULL,
    "jti" TEXT NOT NULL,
    "expires_at" BIGINT NOT NULL,

    PRIMARY KEY ("key_id", "jti")
);

-- CreateIndex
CREATE INDEX "replay_entries_expires_at_idx" ON "replay_entries"("expires_at");

