-- A held message a moderator rejects was never published: it becomes 'rejected', seen (like 'held') only
-- by its author and the room's moderators. It used to become 'hidden', whose tombstone every member
-- sees, which told the room that this person had written something a moderator refused.
ALTER TABLE room_messages DROP CONSTRAINT room_messages_visibility_check;
ALTER TABLE room_messages ADD CONSTRAINT room_messages_visibility_check
    CHECK (visibility IN ('visible', 'held', 'rejected', 'hidden', 'deleted'));

UPDATE room_messages SET visibility = 'rejected'
 WHERE visibility = 'hidden'
   AND id IN (SELECT message_id FROM moderation_queue WHERE resolution = 'rejected' AND message_id IS NOT NULL);
DELETE FROM moderation_hidden
 WHERE message_id IN (SELECT id FROM room_messages WHERE visibility = 'rejected');
