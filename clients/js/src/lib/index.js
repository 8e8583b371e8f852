// @ts-check
/**
 * @oncommun/client: the browser client of Oncommun.
 * @module
 */
export { OncommunClient } from './client.js';
export { HttpApi, query } from './http.js';
export { OncommunSocket } from './socket.js';
export { Chat, ChatRoom, newClientId } from './chat.js';
export { LiveSession } from './live.js';
export { sdpForSfu, alignPayloadTypes, alignHeaderExtensions, SFU_PAYLOAD_TYPES, SFU_HEADER_EXTENSIONS } from './sdp.js';
export { Moderation, REPORT_REASONS, RESOLUTIONS } from './moderation.js';
export { CareApi, CareEvent } from './care.js';
export { OncommunError, ClientErrorCode, errorFromPayload } from './errors.js';
export { Emitter } from './emitter.js';
export { ChatEvent, LiveEvent, ModerationEvent } from './protocol.js';
