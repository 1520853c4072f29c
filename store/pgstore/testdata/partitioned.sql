-- The reference source schema (internal/synth/schema.sql) with messages
-- and conversations partitioned by month of created_at, as hosts partition
-- them once they hold hundreds of millions of rows: twelve monthly
-- partitions, April 2025 to March 2026, and a DEFAULT partition for rows
-- outside them. A primary key of a partitioned table must include the
-- partition key, so theirs is (team_id, id, created_at): Postgres no longer
-- enforces (team_id, id) alone, which the store does not need it to (it
-- joins messages to conversations by team and ID, and a conversation's
-- contact is read with LIMIT 1). The tests load it into their own schema
-- (search_path).
CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    timezone   TEXT NOT NULL DEFAULT 'UTC'
);

CREATE TABLE whatsapp_accounts (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);

CREATE TABLE contacts (
    id                TEXT NOT NULL,
    team_id           TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    created_at        TIMESTAMP(3) NOT NULL,
    is_blocked        BOOLEAN NOT NULL DEFAULT false,
    last_contacted_at TIMESTAMP(3),
    engagement_score  DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, id)
);

CREATE TABLE conversations (
    id         TEXT NOT NULL,
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    account_id TEXT,
    contact_id TEXT,
    status     TEXT NOT NULL,
    created_at TIMESTAMP(3) NOT NULL,
    PRIMARY KEY (team_id, id, created_at)
) PARTITION BY RANGE (created_at);

CREATE TABLE messages (
    id              TEXT NOT NULL,
    team_id         TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    account_id      TEXT,
    conversation_id TEXT,
    status          TEXT NOT NULL,
    sender_type     TEXT NOT NULL,
    created_at      TIMESTAMP(3) NOT NULL,
    campaign_id     TEXT,
    PRIMARY KEY (team_id, id, created_at)
) PARTITION BY RANGE (created_at);

DO $$
DECLARE
    m date;
    t text;
BEGIN
    FOR i IN 0..11 LOOP
        m := DATE '2025-04-01' + make_interval(months => i);
        FOREACH t IN ARRAY ARRAY['messages', 'conversations'] LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                t || '_' || to_char(m, 'YYYY_MM'), t, m, m + interval '1 month');
        END LOOP;
    END LOOP;
END $$;

CREATE TABLE messages_default PARTITION OF messages DEFAULT;
CREATE TABLE conversations_default PARTITION OF conversations DEFAULT;

CREATE TABLE campaigns (
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
