"""SQL for rooms, membership, messages, reactions and read markers. Plain parameterised asyncpg SQL only.

Every change to a room's messages takes the room's next seq in the same statement or transaction that
writes it (``UPDATE rooms SET last_seq = last_seq + 1 ... RETURNING``): the row lock serialises writers
of one room, so seqs follow commit order, and a failed write rolls its seq back with it.
"""

from __future__ import annotations

import json

import asyncpg

from care.people import SiteId, Step, UserId
from rooms.model import MemberRole, Message, MessageId, Room, RoomId, RoomKind, Seq, Visibility

Row = asyncpg.Record

_ROOM_COLUMNS = "r.id, r.site_id, r.kind, r.step, r.name, r.last_seq, r.archived_at"
_MESSAGE_COLUMNS = """m.id, m.room_id, m.seq, m.change_seq, m.author_id, u.display_name AS author_name,
    m.client_id, m.body, m.reply_to, m.visibility, m.created_at, m.edited_at,
    coalesce((SELECT jsonb_object_agg(x.emoji, x.users) FROM (
        SELECT emoji, jsonb_agg(user_id ORDER BY created_at) AS users FROM room_reactions
        WHERE message_id = m.id GROUP BY emoji) x), '{}'::jsonb) AS reactions"""
# Held and rejected messages (Visibility.private) reach only their author and the room's moderators;
# $3 = viewer, $4 = viewer moderates.
_VISIBLE_TO_VIEWER = "(m.visibility NOT IN ('held', 'rejected') OR m.author_id = $3 OR $4)"


def room_from_row(row: Row) -> Room:
    return Room(
        RoomId(row["id"]),
        SiteId(row["site_id"]),
        RoomKind(row["kind"]),
        Step(row["step"]),
        row["name"],
        Seq(row["last_seq"]),
        row["archived_at"] is not None,
    )


def message_from_row(row: Row) -> Message:
    reactions = row["reactions"]
    if isinstance(reactions, str):
        reactions = json.loads(reactions)
    return Message(
        MessageId(row["id"]),
        RoomId(row["room_id"]),
        Seq(row["seq"]),
        Seq(row["change_seq"]),
        UserId(row["author_id"]),
        row["author_name"],
        row["client_id"],
        row["body"],
        MessageId(row["reply_to"]) if row["reply_to"] is not None else None,
        Visibility(row["visibility"]),
        row["created_at"],
        row["edited_at"],
        reactions if isinstance(reactions, dict) else {},
    )


class RoomStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # --- rooms ---
    async def create_room(self, site_id: int, kind: RoomKind, step: int, name: str, created_by: int | None) -> Room:
        """Idempotent by (site, name): creating an existing room returns it unchanged."""
        row = await self._pool.fetchrow(
            f"""WITH new AS (
                   INSERT INTO rooms (site_id, kind, step, name, created_by) VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (site_id, lower(name)) DO NOTHING RETURNING *)
               SELECT {_ROOM_COLUMNS} FROM new r
               UNION ALL
               SELECT {_ROOM_COLUMNS} FROM rooms r WHERE r.site_id = $1 AND lower(r.name) = lower($4)
               LIMIT 1""",
            site_id,
            kind.value,
            step,
            name,
            created_by,
        )
        assert row is not None
        return room_from_row(row)

    async def room(self, room_id: int) -> Room | None:
        row = await self._pool.fetchrow(f"SELECT {_ROOM_COLUMNS} FROM rooms r WHERE r.id = $1", room_id)
        return room_from_row(row) if row else None

    async def rooms_visible_to(self, user_id: int, site_id: int) -> list[tuple[Room, MemberRole | None, int, int]]:
        """Candidate rooms of a person: their explicit rooms and their site's step rooms.

        Returns (room, explicit role, last read seq, unread count); the caller filters by step access.
        """
        rows = await self._pool.fetch(
            f"""SELECT {_ROOM_COLUMNS}, mb.role, coalesce(rd.last_read_seq, 0) AS last_read_seq,
                   (SELECT count(*) FROM room_messages m
                    WHERE m.room_id = r.id AND m.seq > coalesce(rd.last_read_seq, 0)
                      AND m.author_id <> $1 AND m.visibility = 'visible') AS unread
               FROM rooms r
               LEFT JOIN room_members mb ON mb.room_id = r.id AND mb.user_id = $1
               LEFT JOIN room_reads rd ON rd.room_id = r.id AND rd.user_id = $1
               WHERE r.archived_at IS NULL
                 AND (mb.user_id IS NOT NULL OR (r.site_id = $2 AND r.kind IN ('campus', 'community')))
               ORDER BY r.step, r.kind, r.id""",
            user_id,
            site_id,
        )
        return [
            (room_from_row(row), MemberRole(row["role"]) if row["role"] else None, row["last_read_seq"], row["unread"])
            for row in rows
        ]

    async def site_rooms(self, site_id: int) -> list[Room]:
        rows = await self._pool.fetch(
            f"SELECT {_ROOM_COLUMNS} FROM rooms r WHERE r.site_id = $1 AND r.archived_at IS NULL ORDER BY r.id",
            site_id,
        )
        return [room_from_row(row) for row in rows]

    # --- members ---
    async def member_role(self, room_id: int, user_id: int) -> MemberRole | None:
        role = await self._pool.fetchval(
            "SELECT role FROM room_members WHERE room_id = $1 AND user_id = $2", room_id, user_id
        )
        return MemberRole(role) if role else None

    async def members(self, room_id: int) -> list[Row]:
        return await self._pool.fetch(
            """SELECT mb.user_id, mb.role, u.display_name, coalesce(rd.last_read_seq, 0) AS last_read_seq
               FROM room_members mb JOIN users u ON u.id = mb.user_id
               LEFT JOIN room_reads rd ON rd.room_id = mb.room_id AND rd.user_id = mb.user_id
               WHERE mb.room_id = $1 ORDER BY mb.user_id""",
            room_id,
        )

    async def add_member(self, room_id: int, user_id: int, role: MemberRole, added_by: int | None) -> None:
        await self._pool.execute(
            """INSERT INTO room_members (room_id, user_id, role, added_by) VALUES ($1, $2, $3, $4)
               ON CONFLICT (room_id, user_id) DO UPDATE SET role = EXCLUDED.role""",
            room_id,
            user_id,
            role.value,
            added_by,
        )

    async def remove_member(self, room_id: int, user_id: int) -> bool:
        status: str = await self._pool.execute(
            "DELETE FROM room_members WHERE room_id = $1 AND user_id = $2", room_id, user_id
        )
        return status.endswith(" 1")

    async def user(self, user_id: int) -> Row | None:
        return await self._pool.fetchrow("SELECT site_id, roles FROM users WHERE id = $1", user_id)

    async def patient_members(self, room_id: int, other_than: int) -> int:
        """Members who are patients (not staff), leaving one person out of the count."""
        count: int = await self._pool.fetchval(
            """SELECT count(*) FROM room_members mb JOIN users u ON u.id = mb.user_id
               WHERE mb.room_id = $1 AND mb.user_id <> $2
                 AND NOT (u.roles && ARRAY['psychologist', 'admin'])""",
            room_id,
            other_than,
        )
        return count

    # --- messages ---
    async def insert_message(
        self,
        room_id: int,
        author_id: int,
        author_name: str,
        client_id: str,
        body: str,
        reply_to: int | None,
        visibility: Visibility,
        flagged: bool,
    ) -> tuple[Message, bool]:
        """Store a message with the room's next seq; (message, False) when client_id was already used.

        One statement, so one round trip and an implicit transaction: the seq and the row commit together.
        """
        try:
            row = await self._pool.fetchrow(
                """WITH r AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq)
                   INSERT INTO room_messages
                       (room_id, seq, change_seq, author_id, client_id, body, reply_to, visibility, flagged)
                   SELECT $1, r.last_seq, r.last_seq, $2, $3, $4, $5, $6, $7 FROM r
                   RETURNING id, seq, created_at""",
                room_id,
                author_id,
                client_id,
                body,
                reply_to,
                visibility.value,
                flagged,
            )
        except asyncpg.UniqueViolationError:
            existing = await self.message_by_client_id(author_id, client_id)
            assert existing is not None
            return existing, False
        assert row is not None
        seq = Seq(row["seq"])
        message = Message(
            MessageId(row["id"]),
            RoomId(room_id),
            seq,
            seq,
            UserId(author_id),
            author_name,
            client_id,
            body,
            MessageId(reply_to) if reply_to is not None else None,
            visibility,
            row["created_at"],
            None,
            {},
        )
        return message, True

    async def message_by_client_id(self, author_id: int, client_id: str) -> Message | None:
        row = await self._pool.fetchrow(
            f"""SELECT {_MESSAGE_COLUMNS} FROM room_messages m JOIN users u ON u.id = m.author_id
                WHERE m.author_id = $1 AND m.client_id = $2""",
            author_id,
            client_id,
        )
        return message_from_row(row) if row else None

    async def message(self, message_id: int) -> Message | None:
        row = await self._pool.fetchrow(
            f"SELECT {_MESSAGE_COLUMNS} FROM room_messages m JOIN users u ON u.id = m.author_id WHERE m.id = $1",
            message_id,
        )
        return message_from_row(row) if row else None

    async def change_message(
        self, message_id: int, *, body: str | None = None, visibility: Visibility | None = None, edited: bool = False
    ) -> Message:
        """Edit, delete, hide or release a message; the change takes the room's next seq."""
        row = await self._pool.fetchrow(
            f"""WITH r AS (UPDATE rooms SET last_seq = last_seq + 1
                           WHERE id = (SELECT room_id FROM room_messages WHERE id = $1) RETURNING last_seq),
                     m AS (UPDATE room_messages SET change_seq = r.last_seq, body = coalesce($2, body),
                               visibility = coalesce($3, visibility),
                               edited_at = CASE WHEN $4 THEN now() ELSE edited_at END,
                               deleted_at = CASE WHEN $3 = 'deleted' THEN now() ELSE deleted_at END
                           FROM r WHERE id = $1 RETURNING room_messages.*)
                SELECT {_MESSAGE_COLUMNS} FROM m JOIN users u ON u.id = m.author_id""",
            message_id,
            body,
            visibility.value if visibility else None,
            edited,
        )
        assert row is not None
        return message_from_row(row)

    async def react(self, message_id: int, user_id: int, emoji: str, add: bool) -> Message | None:
        """Add or remove a reaction; None when nothing changed (no seq is spent then)."""
        async with self._pool.acquire() as conn, conn.transaction():
            if add:
                status: str = await conn.execute(
                    """INSERT INTO room_reactions (message_id, user_id, emoji) VALUES ($1, $2, $3)
                       ON CONFLICT DO NOTHING""",
                    message_id,
                    user_id,
                    emoji,
                )
            else:
                status = await conn.execute(
                    "DELETE FROM room_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
                    message_id,
                    user_id,
                    emoji,
                )
            if not status.endswith(" 1"):
                return None
            row = await conn.fetchrow(
                f"""WITH r AS (UPDATE rooms SET last_seq = last_seq + 1
                               WHERE id = (SELECT room_id FROM room_messages WHERE id = $1) RETURNING last_seq),
                         m AS (UPDATE room_messages SET change_seq = r.last_seq FROM r WHERE id = $1
                               RETURNING room_messages.*)
                    SELECT {_MESSAGE_COLUMNS} FROM m JOIN users u ON u.id = m.author_id""",
                message_id,
            )
        return message_from_row(row) if row else None

    async def changes_after(
        self, room_id: int, after: int, limit: int, viewer_id: int, moderator: bool
    ) -> tuple[list[Message], Seq]:
        """Messages created or changed after a seq, in seq order, and how far this page reaches.

        The reach is the room's last seq when the page is not full: the client may move its cursor there
        even if some seqs (held messages of others) were not for it.
        """
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            rows = await conn.fetch(
                f"""SELECT {_MESSAGE_COLUMNS} FROM room_messages m JOIN users u ON u.id = m.author_id
                    WHERE m.room_id = $1 AND m.change_seq > $2 AND {_VISIBLE_TO_VIEWER}
                    ORDER BY m.change_seq LIMIT $5""",
                room_id,
                after,
                viewer_id,
                moderator,
                limit,
            )
            last_seq: int = await conn.fetchval("SELECT last_seq FROM rooms WHERE id = $1", room_id)
        messages = [message_from_row(row) for row in rows]
        reach = messages[-1].change_seq if len(messages) == limit else Seq(last_seq)
        return messages, reach

    async def messages_before(
        self, room_id: int, before: int, limit: int, viewer_id: int, moderator: bool
    ) -> list[Message]:
        rows = await self._pool.fetch(
            f"""SELECT {_MESSAGE_COLUMNS} FROM room_messages m JOIN users u ON u.id = m.author_id
                WHERE m.room_id = $1 AND m.seq < $2 AND {_VISIBLE_TO_VIEWER}
                ORDER BY m.seq DESC LIMIT $5""",
            room_id,
            before,
            viewer_id,
            moderator,
            limit,
        )
        return [message_from_row(row) for row in reversed(rows)]

    # --- read markers ---
    async def mark_read(self, room_id: int, user_id: int, seq: int) -> int:
        """Move the marker forward only; returns the marker now stored."""
        value: int = await self._pool.fetchval(
            """INSERT INTO room_reads (room_id, user_id, last_read_seq)
               VALUES ($1, $2, least($3, (SELECT last_seq FROM rooms WHERE id = $1)))
               ON CONFLICT (room_id, user_id) DO UPDATE
               SET last_read_seq = greatest(room_reads.last_read_seq, EXCLUDED.last_read_seq), updated_at = now()
               RETURNING last_read_seq""",
            room_id,
            user_id,
            seq,
        )
        return value

    async def unread(self, room_id: int, user_id: int) -> int:
        count: int = await self._pool.fetchval(
            """SELECT count(*) FROM room_messages m
               WHERE m.room_id = $1 AND m.author_id <> $2 AND m.visibility = 'visible'
                 AND m.seq > coalesce((SELECT last_read_seq FROM room_reads WHERE room_id = $1 AND user_id = $2), 0)""",
            room_id,
            user_id,
        )
        return count
