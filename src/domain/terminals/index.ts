/** The terminals section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { HEARTBEAT_MS, heartbeat, markOffline, onlineTerminals } from './presence.ts';
export { markSeen, recordSettingsAck } from './seen.ts';
export { endPinSession, MAX_PIN_CASHIERS, setPin, signInByPin } from './pin-sessions.ts';
export { PinSessionOut } from './schema.ts';
