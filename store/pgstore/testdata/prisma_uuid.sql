-- A Prisma-made host schema of another common shape: uuid team and
-- message IDs, teams without a time-zone column, messages without a team
-- column (their team is their account's), contacts whose blocked state is
-- a label of a status enum, and an index that Prisma named itself. The
-- tests load it into their own schema (search_path) to check
-- ProposeSource, New's hints and CreateRecommendedIndexes.
CREATE TYPE "MessageStatus" AS ENUM ('PENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED', 'DELETED');
CREATE TYPE "MessageDirection" AS ENUM ('INBOUND', 'OUTBOUND');
CREATE TYPE "ConversationStatus" AS ENUM ('OPEN', 'CLOSED', 'EXPIRED');
CREATE TYPE "ContactStatus" AS ENUM ('ACTIVE', 'BLOCKED', 'UNSUBSCRIBED');
CREATE TYPE "CampaignStatus" AS ENUM ('DRAFT', 'SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED');

CREATE TABLE "Team" (
    "id"        UUID NOT NULL PRIMARY KEY,
    "name"      TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "WhatsAppAccount" (
    "id"          TEXT NOT NULL PRIMARY KEY,
    "teamId"      UUID NOT NULL REFERENCES "Team" ("id"),
    "phoneNumber" TEXT NOT NULL,
    "createdAt"   TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "Contact" (
    "id"              TEXT NOT NULL PRIMARY KEY,
    "teamId"          UUID NOT NULL REFERENCES "Team" ("id"),
    "phone"           TEXT,
    "status"          "ContactStatus" NOT NULL DEFAULT 'ACTIVE',
    "engagementScore" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "createdAt"       TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "Conversation" (
    "id"                UUID NOT NULL PRIMARY KEY,
    "teamId"            UUID NOT NULL REFERENCES "Team" ("id"),
    "whatsAppAccountId" TEXT NOT NULL REFERENCES "WhatsAppAccount" ("id"),
    "contactId"         TEXT NOT NULL REFERENCES "Contact" ("id"),
    "status"            "ConversationStatus" NOT NULL DEFAULT 'OPEN',
    "createdAt"         TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "Message" (
    "id"                UUID NOT NULL PRIMARY KEY,
    "whatsAppAccountId" TEXT NOT NULL REFERENCES "WhatsAppAccount" ("id"),
    "conversationId"    UUID REFERENCES "Conversation" ("id"),
    "direction"         "MessageDirection" NOT NULL,
    "status"            "MessageStatus" NOT NULL DEFAULT 'PENDING',
    "body"              TEXT,
    "createdAt"         TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "campaignId"        TEXT
);

CREATE TABLE "Campaign" (
    "id"                TEXT NOT NULL PRIMARY KEY,
    "teamId"            UUID NOT NULL REFERENCES "Team" ("id"),
    "whatsAppAccountId" TEXT NOT NULL REFERENCES "WhatsAppAccount" ("id"),
    "name"              TEXT,
    "status"            "CampaignStatus" NOT NULL DEFAULT 'DRAFT',
    "totalRecipients"   INTEGER NOT NULL DEFAULT 0,
    "sentCount"         INTEGER NOT NULL DEFAULT 0,
    "deliveredCount"    INTEGER NOT NULL DEFAULT 0,
    "readCount"         INTEGER NOT NULL DEFAULT 0,
    "createdAt"         TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX "WhatsAppAccount_teamId_idx" ON "WhatsAppAccount" ("teamId");
CREATE INDEX "Message_whatsAppAccountId_createdAt_idx" ON "Message" ("whatsAppAccountId", "createdAt");
