// @ts-check
/**
 * Socket.IO event names of the server (docs/protocol.md, docs/signaling.md), in one place.
 */
export const ChatEvent = Object.freeze({
  // client -> server (acked)
  MEMBERS: 'members',
  PRESENCE_SET: 'presence',
  JOIN: 'join',
  LEAVE: 'leave',
  SEND: 'send',
  EDIT: 'edit',
  DELETE: 'delete',
  REACT: 'react',
  TYPING: 'typing',
  READ: 'read',
  HISTORY: 'history',
  CATCH_UP: 'catch_up',
  // server -> client
  MESSAGE: 'message',
  MESSAGE_CHANGED: 'message_changed',
  TYPING_NOTICE: 'typing',
  PRESENCE: 'presence',
  READ_MARKER: 'read',
  ROOM_LEFT: 'room_left',
  // from moderation, about a room
  CRISIS_REPLY: 'crisis_reply',
  MUTED: 'muted',
  PINS: 'pins',
  SLOW_MODE: 'slow_mode',
});

export const ModerationEvent = Object.freeze({
  QUEUE: 'mod_queue',
  RESOLVE: 'mod_resolve',
  HIDE: 'mod_hide',
  UNHIDE: 'mod_unhide',
  APPROVE: 'mod_approve',
  REJECT: 'mod_reject',
  DELETE: 'mod_delete',
  PIN: 'mod_pin',
  MUTE: 'mod_mute',
  UNMUTE: 'mod_unmute',
  SLOW_MODE: 'mod_slow_mode',
  REMOVE: 'mod_remove',
  BAN: 'mod_ban',
  UNBAN: 'mod_unban',
  ESCALATE: 'mod_escalate',
  ASSIGN: 'mod_assign',
  AUDIT: 'mod_audit',
  REPORT: 'report',
  // server -> client
  QUEUE_ITEM: 'mod_queue_item',
  QUEUE_RESOLVED: 'mod_queue_resolved',
});

export const LiveEvent = Object.freeze({
  NAMESPACE: '/live',
  // client -> server (acked)
  OPEN: 'open',
  JOIN: 'join',
  OFFER: 'offer',
  ANSWER: 'answer',
  ICE: 'ice_candidate',
  LEAVE: 'leave',
  SET_MEDIA: 'set_media',
  RAISE_HAND: 'raise_hand',
  PARTICIPANTS: 'participants',
  ADMIT: 'admit',
  MUTE: 'mute',
  ASK_UNMUTE: 'ask_unmute',
  REMOVE: 'remove',
  LOCK: 'lock',
  END: 'end',
  // server -> client
  ADMITTED: 'admitted',
  SERVER_OFFER: 'offer',
  SERVER_ICE: 'ice_candidate',
  PARTICIPANTS_CHANGED: 'participants',
  MEDIA_CONTROL: 'media_control',
  ACTIVE_SPEAKER: 'active_speaker',
  LEFT: 'left',
});

export const AlertEvent = Object.freeze({
  ALERT: 'alert',
});
