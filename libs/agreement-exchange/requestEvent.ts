import { z } from 'zod';
import type { UsageReport } from './usageReport';

/**
 * Requests that pass between the ministries about an agreement, each a signed event on the requests
 * topic, chained per request like the agreement's own history:
 * - data-error report (Art. 15.2(c)): a consumer tells the provider a record is wrong
 *   (error_report → error_acknowledge → error_resolve, or request_refuse with a reason);
 * - usage-report request (Art. 14.1(b)): the provider asks a consumer how it used the data
 *   (usage_request → usage_answer built from the consumer's access log, or request_refuse);
 * - refusals (Art. 14.1(a)): the recipient refuses a request, the reason goes to the requester.
 */
export type RequestKind = 'error_report' | 'error_acknowledge' | 'error_resolve' | 'usage_request' | 'usage_answer' | 'request_refuse';

export const REQUEST_KINDS: readonly RequestKind[] = ['error_report', 'error_acknowledge', 'error_resolve', 'usage_request', 'usage_answer', 'request_refuse'];

export interface RequestPayloads {
  error_report: { entity: string; recordKey: string; field: string; description: string };
  error_acknowledge: { note: string };
  error_resolve: { resolution: string };
  /** Asked of one consumer for a period; `reason` states the suspected misuse. */
  usage_request: { consumer: string; reason: string; periodFrom: string; periodTo: string };
  usage_answer: { report: UsageReport };
  request_refuse: { reason: string };
}

interface RequestEnvelope {
  format: 'thahs-request/1';
  /** Chosen by the requester (uuid); the same for every event of the request. */
  requestId: string;
  agreementId: string;
  /**
   * sha256 of the last agreement event the actor's history held: the request is judged against the
   * agreement as it stood then, identically on both sides, whenever each receives it.
   */
  basis: string;
  actor: string;
  at: string;
  /** sha256 of the previous event of this request; null for the event that opens it. */
  prev: string | null;
  keyId: string;
  /** base64 Ed25519 over the canonical JSON of the event without this field. */
  signature: string;
}

export type RequestEvent = {
  [K in RequestKind]: RequestEnvelope & { kind: K; payload: RequestPayloads[K] };
}[RequestKind];

/** The event of one kind. */
export type RequestEventOf<K extends RequestKind> = Extract<RequestEvent, { kind: K }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type UnsignedRequestEvent = DistributiveOmit<RequestEvent, 'signature'>;

const HASH = /^[0-9a-f]{64}$/;
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PARTY = /^(cand|qdnd)\.[a-z0-9][a-z0-9-]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;
const IDENT = /^[a-z][a-z0-9_]{0,62}$/;

const text = (max: number) => z.string().min(1).max(max);
const instant = z
  .string()
  .regex(AT, 'an ISO 8601 UTC instant with milliseconds')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a real instant');
const count = z.number().int().nonnegative();
const usageCount = z.object({ name: text(200), count }).strict();

const usageReport = z
  .object({
    periodFrom: instant,
    periodTo: instant,
    generatedAt: instant,
    accessLog: z
      .object({
        source: text(200),
        available: z.boolean(),
        note: z.string().max(2000),
        total: count.nullable(),
        byPurpose: z.array(usageCount).max(1000),
        byEntity: z.array(usageCount).max(1000),
      })
      .strict(),
    partnerStore: z
      .object({
        store: text(200),
        entities: z.array(z.object({ entity: text(100), rows: count.nullable(), note: z.string().max(2000) }).strict()).max(100),
      })
      .strict(),
  })
  .strict();

const envelope = {
  format: z.literal('thahs-request/1'),
  requestId: z.string().regex(UUID, 'a lower-case uuid'),
  agreementId: z.string().regex(/^[A-Za-z0-9._-]{3,64}$/, 'an agreement id'),
  basis: z.string().regex(HASH, 'a sha256 hex digest'),
  actor: z.string().regex(PARTY, 'a party id'),
  at: instant,
  prev: z.string().regex(HASH, 'a sha256 hex digest').nullable(),
  keyId: text(64),
  signature: z.string().regex(SIGNATURE, 'a base64 Ed25519 signature'),
};

const schema = z.discriminatedUnion('kind', [
  z
    .object({
      ...envelope,
      kind: z.literal('error_report'),
      payload: z
        .object({
          entity: z.string().regex(IDENT, 'an entity name'),
          recordKey: z.string().regex(UUID, 'the record id (a lower-case uuid)'),
          field: z.string().regex(IDENT, 'a field name'),
          description: text(4000),
        })
        .strict(),
    })
    .strict(),
  z.object({ ...envelope, kind: z.literal('error_acknowledge'), payload: z.object({ note: z.string().max(4000) }).strict() }).strict(),
  z.object({ ...envelope, kind: z.literal('error_resolve'), payload: z.object({ resolution: text(4000) }).strict() }).strict(),
  z
    .object({
      ...envelope,
      kind: z.literal('usage_request'),
      payload: z.object({ consumer: z.string().regex(PARTY, 'a party id'), reason: text(4000), periodFrom: instant, periodTo: instant }).strict(),
    })
    .strict(),
  z.object({ ...envelope, kind: z.literal('usage_answer'), payload: z.object({ report: usageReport }).strict() }).strict(),
  z.object({ ...envelope, kind: z.literal('request_refuse'), payload: z.object({ reason: text(4000) }).strict() }).strict(),
]);

export type ParseRequestResult = { ok: true; event: RequestEvent } | { ok: false; problems: string[] };

/** Checks untrusted JSON (a Kafka message) is a well-formed request event; signatures and rules come later. */
export function parseRequestEvent(input: unknown): ParseRequestResult {
  const r = schema.safeParse(input);
  if (!r.success) return { ok: false, problems: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(event)'}: ${i.message}`) };
  // The input itself, not the parsed copy: the signature is over exactly what was received.
  return { ok: true, event: input as RequestEvent };
}
