-- testdata/prisma.sql with "Message" and "Conversation" partitioned by
-- month of "createdAt", as a host partitions them: monthly partitions for
-- February to April 2024 and a DEFAULT partition. The tests load it into
-- their own schema (search_path). Their primary keys, and
-- the conversations' unique key, include the partition key, as Postgres
-- requires.

CREATE TYPE "MessageStatus" AS ENUM ('PENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED');
CREATE TYPE "SenderType" AS ENUM ('CONTACT', 'AGENT', 'BOT', 'SYSTEM');
CREATE TYPE "ConversationStatus" AS ENUM ('OPEN', 'PENDING', 'CLOSED');
CREATE TYPE "CampaignStatus" AS ENUM ('DRAFT', 'SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED');

CREATE TABLE "Team" (
    "id"        TEXT NOT NULL PRIMARY KEY,
    "name"      TEXT NOT NULL DEFAULT '',
    "timeZone"  TEXT NOT NULL DEFAULT 'UTC',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "WhatsappAccount" (
    "id"            TEXT NOT NULL PRIMARY KEY,
    "teamId"        TEXT NOT NULL REFERENCES "Team" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "phoneNumberId" TEXT,
    "createdAt"     TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "Contact" (
    "id"              TEXT NOT NULL PRIMARY KEY,
    "teamId"          TEXT NOT NULL REFERENCES "Team" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "phone"           TEXT,
    "isBlocked"       BOOLEAN NOT NULL DEFAULT false,
    "engagementScore" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "lastContactedAt" TIMESTAMP(3),
    "createdAt"       TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "Conversation" (
    "id"                TEXT NOT NULL,
    "teamId"            TEXT NOT NULL REFERENCES "Team" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "whatsappAccountId" TEXT,
    "contactId"         TEXT,
    "status"            "ConversationStatus" NOT NULL DEFAULT 'OPEN',
    "createdAt"         TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY ("id", "createdAt")
) PARTITION BY RANGE ("createdAt");

CREATE TABLE "Message" (
    "id"                TEXT NOT NULL,
    "teamId"            TEXT NOT NULL REFERENCES "Team" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "whatsappAccountId" TEXT,
    "conversationId"    TEXT,
    "content"           TEXT,
    "status"            "MessageStatus" NOT NULL DEFAULT 'PENDING',
    "senderType"        "SenderType" NOT NULL,
    "createdAt"         TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "campaignId"        TEXT,
    PRIMARY KEY ("id", "createdAt")
) PARTITION BY RANGE ("createdAt");

CREATE TABLE "Message_2024_02" PARTITION OF "Message" FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE "Message_2024_03" PARTITION OF "Message" FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
CREATE TABLE "Message_2024_04" PARTITION OF "Message" FOR VALUES FROM ('2024-04-01') TO ('2024-05-01');
CREATE TABLE "Message_default" PARTITION OF "Message" DEFAULT;
CREATE TABLE "Conversation_2024_02" PARTITION OF "Conversation" FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
CREATE TABLE "Conversation_2024_03" PARTITION OF "Conversation" FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
CREATE TABLE "Conversation_2024_04" PARTITION OF "Conversation" FOR VALUES FROM ('2024-04-01') TO ('2024-05-01');
CREATE TABLE "Conversation_default" PARTITION OF "Conversation" DEFAULT;

CREATE TABLE "Campaign" (
    "id"                TEXT NOT NULL PRIMARY KEY,
    "teamId"            TEXT NOT NULL REFERENCES "Team" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "whatsappAccountId" TEXT,
    "name"              TEXT NOT NULL DEFAULT '',
    "status"            "CampaignStatus" NOT NULL DEFAULT 'DRAFT',
    "totalRecipients"   INTEGER NOT NULL DEFAULT 0,
    "messagesSent"      INTEGER NOT NULL DEFAULT 0,
    "messagesDelivered" INTEGER NOT NULL DEFAULT 0,
    "messagesRead"      INTEGER NOT NULL DEFAULT 0,
    "createdAt"         TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX "Message_teamId_createdAt_idx" ON "Message" ("teamId", "createdAt");
CREATE UNIQUE INDEX "Conversation_teamId_id_key" ON "Conversation" ("teamId", "id", "createdAt");
CREATE INDEX "Conversation_teamId_createdAt_idx" ON "Conversation" ("teamId", "createdAt");
CREATE INDEX "Contact_teamId_createdAt_idx" ON "Contact" ("teamId", "createdAt");
CREATE INDEX "Campaign_teamId_createdAt_idx" ON "Campaign" ("teamId", "createdAt");
CREATE INDEX "WhatsappAccount_teamId_idx" ON "WhatsappAccount" ("teamId");
