"""The core schema, as the ``core`` migration set.

Design notes (see docs/architecture.md, "Store"):

* ``items.sort_key`` is a unique, time-ordered integer (milliseconds << 20 |
  20 bits of a hash of the item's identity). Every list is ``ORDER BY sort_key
  DESC`` and pages by keyset (``sort_key < last``), so page N costs what page 1
  costs.
* The FTS5 index uses ``sort_key`` as its rowid. A full-text query therefore
  walks the index newest-first and stops after one page, even for a word that
  occurs in half the store.
* Bodies live in ``item_content`` so that list scans touch small rows only.
* Flag changes do not touch the full-text index (its trigger fires only when
  indexed columns change).
"""

from __future__ import annotations

from workstation.store.migrations import MigrationSet

_V1_ITEMS = """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            config TEXT NOT NULL DEFAULT '{}',
            enabled INTEGER NOT NULL DEFAULT 1,
            created INTEGER NOT NULL,
            last_sync INTEGER,
            last_error TEXT
        );
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            sort_key INTEGER NOT NULL UNIQUE,
            source TEXT NOT NULL,
            remote_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            folder TEXT,
            title TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            url TEXT,
            actor TEXT,
            actor_key TEXT,
            sender TEXT NOT NULL DEFAULT '',
            recipients TEXT NOT NULL DEFAULT '{}',
            recipients_text TEXT NOT NULL DEFAULT '',
            thread TEXT,
            in_reply_to TEXT,
            published INTEGER,
            updated INTEGER,
            received INTEGER NOT NULL,
            sort_ts INTEGER NOT NULL,
            is_read INTEGER NOT NULL DEFAULT 0,
            is_starred INTEGER NOT NULL DEFAULT 0,
            is_archived INTEGER NOT NULL DEFAULT 0,
            is_muted INTEGER NOT NULL DEFAULT 0,
            mentions_me INTEGER NOT NULL DEFAULT 0,
            has_attachments INTEGER NOT NULL DEFAULT 0,
            attachments TEXT NOT NULL DEFAULT '[]',
            tags TEXT NOT NULL DEFAULT '[]',
            score REAL NOT NULL DEFAULT 0.5,
            score_reasons TEXT NOT NULL DEFAULT '[]',
            remote TEXT NOT NULL DEFAULT '{}',
            language TEXT,
            UNIQUE (source, remote_id)
        );
        CREATE INDEX items_inbox ON items(sort_key) WHERE is_archived = 0;
        CREATE INDEX items_unread ON items(sort_key) WHERE is_read = 0 AND is_archived = 0;
        CREATE INDEX items_starred ON items(sort_key) WHERE is_starred = 1;
        CREATE INDEX items_source ON items(source, sort_key);
        CREATE INDEX items_folder ON items(source, folder, sort_key);
        CREATE INDEX items_actor ON items(actor_key, sort_key);
        CREATE INDEX items_kind ON items(kind, sort_key);
        CREATE INDEX items_thread ON items(thread) WHERE thread IS NOT NULL;

        CREATE TABLE item_content (
            item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            content TEXT NOT NULL,
            content_type TEXT NOT NULL DEFAULT 'text/plain'
        );
        CREATE TABLE item_tags (
            tag TEXT NOT NULL COLLATE NOCASE,
            sort_key INTEGER NOT NULL,
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            PRIMARY KEY (tag, sort_key)
        ) WITHOUT ROWID;
        CREATE INDEX item_tags_item ON item_tags(item_id);

        CREATE VIRTUAL TABLE items_fts USING fts5(
            title, text, sender, recipients_text,
            content='items', content_rowid='sort_key',
            tokenize='unicode61 remove_diacritics 2', prefix='2 3'
        );
        CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
            INSERT INTO items_fts(rowid, title, text, sender, recipients_text)
            VALUES (new.sort_key, new.title, new.text, new.sender, new.recipients_text);
        END;
        CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, title, text, sender, recipients_text)
            VALUES ('delete', old.sort_key, old.title, old.text, old.sender, old.recipients_text);
        END;
        CREATE TRIGGER items_fts_update
        AFTER UPDATE OF title, text, sender, recipients_text, sort_key ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, title, text, sender, recipients_text)
            VALUES ('delete', old.sort_key, old.title, old.text, old.sender, old.recipients_text);
            INSERT INTO items_fts(rowid, title, text, sender, recipients_text)
            VALUES (new.sort_key, new.title, new.text, new.sender, new.recipients_text);
        END;

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            item_id INTEGER,
            verb TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            created INTEGER NOT NULL,
            next_attempt INTEGER NOT NULL,
            last_error TEXT
        );
        CREATE INDEX outbox_due ON outbox(state, next_attempt);

        CREATE TABLE sync_state (
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (source, key)
        ) WITHOUT ROWID;
        """


_V2_SETTINGS_AND_SAVED_SEARCHES = """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE saved_searches (
            name TEXT PRIMARY KEY,
            query TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO saved_searches(name, query, position)
        VALUES ('Unread with attachments', 'is:unread has:attachment', 0);
        """


CORE = MigrationSet("core", [_V1_ITEMS, _V2_SETTINGS_AND_SAVED_SEARCHES])
