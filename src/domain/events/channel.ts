/**
 * The one way the aggregators are woken: a trigger on the events table sends a NOTIFY on this
 * channel inside the writing transaction (sql/migrations/0017), delivered at its commit. The
 * payload is the event itself, or the shop id when it would not fit (workers/notify-payload.ts
 * reads both). A lost notification costs at most one aggregator sweep.
 */
export const EVENTS_CHANNEL = 'tajir_events';
