/** @aurentia/client: typed REST and Socket.IO for the Aurentia server. */
export { AurentiaClient, channelRef, type ClientOptions } from "./client.js";
export { Emitter, type Listener } from "./emitter.js";
export * as events from "./generated/events.js";
export type { ClientEvents, ServerEvents, Message, ChannelRef, ChannelKey } from "./generated/events.js";
export * as rest from "./generated/rest.js";
export type { Operations } from "./generated/rest.js";
export { MemoryStorage, Outbox, type OutboxItem, type OutboxStorage } from "./outbox.js";
export { Presence, Typing, type TypingOptions } from "./presence.js";
export { ApiError, RestClient, type CallInput, type OperationId } from "./rest.js";
export { AckError, NotDeliveredError, Session, type Ack, type SessionOptions } from "./session.js";
export { ChannelStore, channelKey, type ChannelId, type PendingMessage } from "./store.js";
