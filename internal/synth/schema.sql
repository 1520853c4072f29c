-- The reference source schema: the host tables the original system had, as
-- store/pgstore reads them by default. Tests and benchmarks create it in
-- their own schema (search_path); hosts already have their own tables.
--
-- Activity rows are keyed by (team_id, id), not id alone: the conformance
-- suite reuses conversation and contact IDs across tenants to prove that a
-- store joins within a team, so the reference schema must allow it. Hosts
-- with globally unique IDs lose nothing, since every join the store makes
-- includes team_id.
CREATE TABLE IF NOT EXISTS teams (
    id         TEXT PRIMARY KEY,
    timezone   TEXT NOT NULL DEFAULT 'UTC'
);

CREATE TABLE IF NOT EXISTS whatsapp_accounts (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS contacts (
    id                TEXT NOT NULL,
    team_id           TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    created_at        TIMESTAMP(3) NOT NULL,
    is_blocked        BOOLEAN NOT NULL DEFAULT false,
    last_contacted_at TIMESTAMP(3),
    engagement_score  DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, id)
);

CREATE TABLE IF NOT EXISTS conversations (
    id         TEXT NOT NULL,
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    account_id TEXT,
    contact_id TEXT,
    status     TEXT NOT NULL,
    created_at TIMESTAMP(3) NOT NULL,
    PRIMARY KEY (team_id, id)
);

CREATE TABLE IF NOT EXISTS messages (
    id              TEXT NOT NULL,
    team_id         TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    account_id      TEXT,
    conversation_id TEXT,
    status          TEXT NOT NULL,
    sender_type     TEXT NOT NULL,
    created_at      TIMESTAMP(3) NOT NULL,
    campaign_id     TEXT,
    PRIMARY KEY (team_id, id)
);

CREATE TABLE IF NOT EXISTS campaigns (
    id                 TEXT NOT NULL,
    team_id            TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    account_id         TEXT,
    status             TEXT NOT NULL,
    total_recipients   INTEGER NOT NULL DEFAULT 0,
    messages_sent      INTEGER NOT NULL DEFAULT 0,
    messages_delivered INTEGER NOT NULL DEFAULT 0,
    messages_read      INTEGER NOT NULL DEFAULT 0,
    created_at         TIMESTAMP(3) NOT NULL,
    PRIMARY KEY (team_id, id)
);
