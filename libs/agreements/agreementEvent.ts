import type { AgreementDocument } from './agreementDocument';
import { parseInstantMs } from './calendar';
import { DocumentReader, type Path } from './documentReader';
import { parseAgreementDocument } from './parseAgreementDocument';
import { IssueCollector, type ValidationIssue } from './validationIssue';

/**
 * Signed lifecycle events of an agreement (Art. 11, 13, 14, 10.4). They are plain JSON so they can be
 * carried on Kafka and verified by the other ministry with nothing but the parties' public keys.
 */
export type AgreementEventKind = 'draft' | 'propose' | 'confirm' | 'refuse' | 'withdraw' | 'suspend' | 'resume' | 'terminate' | 'join_request' | 'join_confirm' | 'join_refuse';

export const AGREEMENT_EVENT_KINDS: readonly AgreementEventKind[] = [
  'draft',
  'propose',
  'confirm',
  'refuse',
  'withdraw',
  'suspend',
  'resume',
  'terminate',
  'join_request',
  'join_confirm',
  'join_refuse',
];

/** A party's Ed25519 signature over the canonical JSON of one exact document version. */
export interface DocumentSignature {
  party: string;
  keyId: string;
  algorithm: 'Ed25519';
  /** sha256 (hex) of the canonical JSON of the document: names the version signed. */
  documentHash: string;
  /** base64 Ed25519 signature over the canonical JSON of the document. */
  signature: string;
}

export interface ReasonPayload {
  reason: string;
}

export interface AgreementEventPayloads {
  /** Creates or replaces the draft of a version (a new agreement, a redraft, an amendment). */
  draft: { document: AgreementDocument };
  /** Submits the draft for confirmation; the proposer's own signature counts as its confirmation. */
  propose: { signature: DocumentSignature };
  confirm: { signature: DocumentSignature };
  /** Art. 14.1(a): refusal with its reason, delivered to the requester. */
  refuse: ReasonPayload;
  withdraw: ReasonPayload;
  suspend: ReasonPayload;
  resume: ReasonPayload;
  terminate: ReasonPayload;
  /** Art. 10.4: a body asks to join an agreement in force with the document that would include it. */
  join_request: { document: AgreementDocument; signature: DocumentSignature };
  join_confirm: { signature: DocumentSignature };
  join_refuse: ReasonPayload;
}

interface EventEnvelope {
  agreementId: string;
  /** The document version the event concerns. */
  version: number;
  /** Party id of the body acting (and signing). */
  actor: string;
  /** When the event happened: ISO 8601 UTC with milliseconds, e.g. 2025-07-01T01:00:00.000Z. */
  at: string;
  /** sha256 (hex) of the previous event of this agreement, null for the first: the history is a chain. */
  prev: string | null;
  keyId: string;
  /** base64 Ed25519 signature over the canonical JSON of the event without this field. */
  signature: string;
}

export type AgreementEvent = {
  [K in AgreementEventKind]: EventEnvelope & { kind: K; payload: AgreementEventPayloads[K] };
}[AgreementEventKind];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type UnsignedAgreementEvent = DistributiveOmit<AgreementEvent, 'signature'>;

export const AT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HASH_RE = /^[0-9a-f]{64}$/;
const SIGNATURE_RE = /^[A-Za-z0-9+/]{86}==$/;
const PARTY_ID_RE = /^(cand|qdnd)\.[a-z0-9][a-z0-9-]{0,62}$/;

export type ParseEventResult = { ok: true; event: AgreementEvent } | { ok: false; issues: ValidationIssue[] };

/**
 * Checks that untrusted JSON (e.g. a Kafka message) is a well-formed agreement event. Signatures and
 * the lifecycle rules are checked later, by applyEvent.
 */
export function parseAgreementEvent(input: unknown): ParseEventResult {
  const issues = new IssueCollector();
  const r = new DocumentReader(issues);
  if (input === undefined) {
    issues.add([], 'the event is empty');
    return { ok: false, issues: issues.issues };
  }
  const o = r.object([], input, {
    required: ['kind', 'agreementId', 'version', 'actor', 'at', 'prev', 'keyId', 'signature', 'payload'],
  });
  if (!o) return { ok: false, issues: issues.issues };
  const kind = r.oneOf(['kind'], o.kind, AGREEMENT_EVENT_KINDS);
  r.string(['agreementId'], o.agreementId);
  r.positiveInt(['version'], o.version);
  r.string(['actor'], o.actor, { pattern: PARTY_ID_RE, patternHint: 'a party id' });
  const at = r.string(['at'], o.at, { pattern: AT_RE, patternHint: 'an ISO 8601 UTC instant with milliseconds (YYYY-MM-DDTHH:MM:SS.sssZ)' });
  if (at !== undefined && !parseInstantMs(at).ok) r.fail(['at'], `${at} is not a real instant`);
  if (o.prev !== null) r.string(['prev'], o.prev, { pattern: HASH_RE, patternHint: 'a sha256 hex digest or null' });
  r.string(['keyId'], o.keyId);
  r.string(['signature'], o.signature, { pattern: SIGNATURE_RE, patternHint: 'a base64 Ed25519 signature' });
  if (kind !== undefined) readPayload(r, kind, o.payload);
  if (issues.count > 0) return { ok: false, issues: issues.issues };
  return { ok: true, event: input as AgreementEvent };
}

export function readDocumentSignature(r: DocumentReader, path: Path, v: unknown): DocumentSignature | undefined {
  const o = r.object(path, v, { required: ['party', 'keyId', 'algorithm', 'documentHash', 'signature'] });
  if (!o) return undefined;
  const party = r.string([...path, 'party'], o.party, { pattern: PARTY_ID_RE, patternHint: 'a party id' });
  const keyId = r.string([...path, 'keyId'], o.keyId);
  const algorithm = r.oneOf([...path, 'algorithm'], o.algorithm, ['Ed25519'] as const);
  const documentHash = r.string([...path, 'documentHash'], o.documentHash, { pattern: HASH_RE, patternHint: 'a sha256 hex digest' });
  const signature = r.string([...path, 'signature'], o.signature, { pattern: SIGNATURE_RE, patternHint: 'a base64 Ed25519 signature' });
  if (!party || !keyId || !algorithm || !documentHash || !signature) return undefined;
  return { party, keyId, algorithm, documentHash, signature };
}

function readPayload(r: DocumentReader, kind: AgreementEventKind, v: unknown): void {
  const path = ['payload'];
  switch (kind) {
    case 'draft': {
      const o = r.object(path, v, { required: ['document'] });
      if (o) readEmbeddedDocument(r, [...path, 'document'], o.document);
      return;
    }
    case 'join_request': {
      const o = r.object(path, v, { required: ['document', 'signature'] });
      if (o) {
        readEmbeddedDocument(r, [...path, 'document'], o.document);
        readDocumentSignature(r, [...path, 'signature'], o.signature);
      }
      return;
    }
    case 'propose':
    case 'confirm':
    case 'join_confirm': {
      const o = r.object(path, v, { required: ['signature'] });
      if (o) readDocumentSignature(r, [...path, 'signature'], o.signature);
      return;
    }
    default: {
      const o = r.object(path, v, { required: ['reason'] });
      if (o) r.string([...path, 'reason'], o.reason, { maxLength: 4000 });
    }
  }
}

function readEmbeddedDocument(r: DocumentReader, path: Path, v: unknown): void {
  if (v === undefined) return;
  const parsed = parseAgreementDocument(v);
  if (!parsed.ok) {
    for (const issue of parsed.issues) r.issues.add([...path, ...issue.segments], issue.message);
  }
}
