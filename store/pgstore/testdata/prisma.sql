-- A host schema shaped as Prisma makes it: PascalCase tables, quoted
-- camelCase columns, enum types with UPPER-CASE labels, timestamp(3)
-- without time zone, text IDs. The tests load it into their own schema
-- (search_path) to check New's mapping checks, CheckSource and
-- ProposeSource. Every column the store's Source reads is here; messages
-- carry their team ("teamId") as the other tables do.
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
    "id"                TEXT NOT NULL PRIMARY KEY,
    "teamId"            TEXT NOT NULL REFERENCES "Team" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "whatsappAccountId" TEXT,
    "contactId"         TEXT,
    "status"            "ConversationStatus" NOT NULL DEFAULT 'OPEN',
    "createdAt"         TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "Message" (
    "id"                TEXT NOT NULL PRIMARY KEY,
    "teamId"            TEXT NOT NULL REFERENCES "Team" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "whatsappAccountId" TEXT,
    "conversationId"    TEXT,
    "content"           TEXT,
    "status"            "MessageStatus" NOT NULL DEFAULT 'PENDING',
    "senderType"        "SenderType" NOT NULL,
    "createdAt"         TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "campaignId"        TEXT
);

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
CREATE UNIQUE INDEX "Conversation_teamId_id_key" ON "Conversation" ("teamId", "id");
CREATE INDEX "Conversation_teamId_createdAt_idx" ON "Conversation" ("teamId", "createdAt");
CREATE INDEX "Contact_teamId_createdAt_idx" ON "Contact" ("teamId", "createdAt");
CREATE INDEX "Campaign_teamId_createdAt_idx" ON "Campaign" ("teamId", "createdAt");
CREATE INDEX "WhatsappAccount_teamId_idx" ON "WhatsappAccount" ("teamId");
