// Package audit is the tamper-evident audit chain: every accepted event of a
// dispute becomes a Record whose SHA-256 hash covers a canonical encoding of
// the record and the previous record's hash, so altering, removing or
// reordering any record breaks every hash after it.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// GenesisHash is the previous hash of a chain's first record.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// The canonical encodings. A record says which one its hash covers; the
// encoding's name is part of every hash, so records of one encoding can
// never pass for records of another. Records are sealed with the current
// encoding and verified with their own, so records sealed before a new
// encoding was introduced verify for ever.
const (
	// EncodingV1 covers the dispute, sequence number, event, states, actor
	// id and role, payload, time, request id and previous hash.
	EncodingV1 = 1
	// EncodingV2 also covers the API key the action came through and the
	// request id the client sent, beside the service's own request id.
	EncodingV2 = 2
	// CurrentEncoding is the encoding Next seals new records with.
	CurrentEncoding = EncodingV2
)

var encodingNames = map[int]string{EncodingV1: "disputes.audit.v1", EncodingV2: "disputes.audit.v2"}

// Entry is what an accepted event records: the content of an audit record.
type Entry struct {
	DisputeID string          `json:"dispute_id"`
	Event     string          `json:"event"`
	FromState string          `json:"from_state"`
	ToState   string          `json:"to_state"`
	ActorID   string          `json:"actor_id"`
	ActorRole string          `json:"actor_role"`
	Payload   json.RawMessage `json:"payload"`
	// PayloadVersion says which version of its event's payload type Payload
	// follows, so that a payload is read as it was written and never
	// re-encoded; zero is a record from before versions were numbered (their
	// payloads follow version 1). The hash covers the payload's bytes, not
	// this number: readers refuse a version they do not know.
	PayloadVersion int       `json:"payload_version,omitempty"`
	OccurredAt     time.Time `json:"occurred_at"`
	// RequestID is the service's own id of the request that fired the event;
	// clients cannot choose it.
	RequestID string `json:"request_id"`
	// APIKeyID names the API key the action came through (never the key
	// itself); empty for a signed-in user, staff or the service.
	APIKeyID string `json:"api_key_id,omitempty"`
	// ClientRequestID is the X-Request-Id the client sent, if any: its own
	// correlation id, recorded as claimed.
	ClientRequestID string `json:"client_request_id,omitempty"`
}

// Record is an Entry placed in its dispute's chain.
type Record struct {
	Entry
	Seq      int64  `json:"seq"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
	// Encoding is the canonical encoding the hash covers (EncodingV1 or
	// EncodingV2); zero means EncodingV1, for records kept before encodings
	// were numbered.
	Encoding int `json:"encoding"`
}

// encoding returns the record's encoding, zero read as EncodingV1.
func (r Record) encoding() int {
	if r.Encoding == 0 {
		return EncodingV1
	}
	return r.Encoding
}

// CanonicalPayload returns the canonical form of a JSON payload: object keys
// sorted, no insignificant whitespace, numbers kept as written. An empty
// payload is "{}".
func CanonicalPayload(p []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(p)) == 0 {
		return json.RawMessage("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("audit: payload is not JSON: %w", err)
	}
	if err := dec.Decode(new(any)); err != io.EOF {
		return nil, fmt.Errorf("audit: payload has trailing data")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// Time is the form of a timestamp in the canonical encoding: UTC, microsecond
// precision (what both PostgreSQL and SQLite store exactly).
func Time(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z")
}

// Canonical returns the bytes a record's hash covers, in the record's
// encoding: every field of that encoding but the hash itself, in a fixed
// order, as a JSON array. EncodingV1 is
//
//	["disputes.audit.v1", dispute id, seq, event, from, to, actor id,
//	 actor role, payload, occurred at, request id, previous hash]
//
// and EncodingV2
//
//	["disputes.audit.v2", dispute id, seq, event, from, to, actor id,
//	 actor role, API key id, payload, occurred at, request id,
//	 client request id, previous hash]
//
// with the payload as a string and the time as Time formats it. An unknown
// encoding is encoded under its own name, so its hash never matches one of
// a known encoding.
func Canonical(r Record) []byte {
	version := r.encoding()
	name, ok := encodingNames[version]
	if !ok {
		name = fmt.Sprintf("disputes.audit.unknown.%d", version)
	}
	var fields []any
	if version == EncodingV1 {
		fields = []any{
			name, r.DisputeID, r.Seq, r.Event, r.FromState, r.ToState,
			r.ActorID, r.ActorRole, string(r.Payload), Time(r.OccurredAt), r.RequestID, r.PrevHash,
		}
	} else {
		fields = []any{
			name, r.DisputeID, r.Seq, r.Event, r.FromState, r.ToState,
			r.ActorID, r.ActorRole, r.APIKeyID, string(r.Payload), Time(r.OccurredAt), r.RequestID,
			r.ClientRequestID, r.PrevHash,
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Encoding strings and integers cannot fail.
	_ = enc.Encode(fields)
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// HashOf returns the hex SHA-256 of the record's canonical encoding.
func HashOf(r Record) string {
	sum := sha256.Sum256(Canonical(r))
	return hex.EncodeToString(sum[:])
}

// Next places e after prev (nil for the first record) and seals it.
func Next(prev *Record, e Entry) Record {
	r := Record{Entry: e, Seq: 1, PrevHash: GenesisHash, Encoding: CurrentEncoding}
	if prev != nil {
		r.Seq = prev.Seq + 1
		r.PrevHash = prev.Hash
	}
	r.OccurredAt = r.OccurredAt.UTC().Truncate(time.Microsecond)
	r.Hash = HashOf(r)
	return r
}

// Verification is the result of checking one dispute's chain.
type Verification struct {
	Valid       bool   `json:"valid"`
	Records     int    `json:"records"`
	HeadHash    string `json:"head_hash"`
	FirstBadSeq *int64 `json:"first_bad_seq"`
	Problem     string `json:"problem,omitempty"`
}

// Verify checks a chain given in sequence order: sequence numbers run 1..n
// without gaps, each record links to the previous hash, and each hash matches
// the record's content.
func Verify(records []Record) Verification {
	v := Verification{Valid: true, Records: len(records)}
	prev := GenesisHash
	for i, r := range records {
		bad := func(problem string) Verification {
			seq := r.Seq
			if r.Seq != int64(i+1) && r.PrevHash == prev {
				// Only its number was changed: name the place it holds.
				seq = int64(i + 1)
			}
			v.Valid, v.FirstBadSeq, v.Problem = false, &seq, problem
			return v
		}
		switch {
		case r.Seq != int64(i+1):
			return bad(fmt.Sprintf("expected sequence number %d, found %d", i+1, r.Seq))
		case encodingNames[r.encoding()] == "":
			return bad(fmt.Sprintf("unknown canonical encoding %d", r.Encoding))
		case r.encoding() == EncodingV1 && (r.APIKeyID != "" || r.ClientRequestID != ""):
			// Encoding 1 does not cover these fields: a record of it that
			// carries them was altered.
			return bad("the record carries fields its encoding does not cover")
		case r.PrevHash != prev:
			return bad("previous hash does not match the preceding record")
		case HashOf(r) != r.Hash:
			return bad("hash does not match the record's content")
		}
		prev = r.Hash
		v.HeadHash = r.Hash
	}
	return v
}
