package mqtt

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/facegate/facegate/outbox"
)

// SchemaVersion is the "v" of every payload this package writes.
const SchemaVersion = 1

// Event types (the envelope's "type").
const (
	TypeAccess          = "access"
	TypeDoor            = "door"
	TypeHealth          = "health"
	TypeCommandResult   = "command_result"
	TypeCommandRejected = "command_rejected"
	TypeOutboxOverflow  = "outbox_overflow"
	TypeOutboxAlarm     = "outbox_alarm"
	TypeOutboxCorrupt   = "outbox_corrupt"
)

// Decision is the outcome of an access attempt.
type Decision string

// Access decisions (docs/mqtt.md, "access").
const (
	Granted        Decision = "granted"
	DeniedUnknown  Decision = "denied-unknown"
	DeniedSpoof    Decision = "denied-spoof"
	DeniedQuality  Decision = "denied-quality"
	DeniedSchedule Decision = "denied-schedule"
	DeniedLiveness Decision = "denied-liveness"
	LockedOut      Decision = "locked-out"
)

// Envelope is the JSON form of every event.
type Envelope struct {
	V           int             `json:"v"`
	ID          string          `json:"id"`
	Seq         uint64          `json:"seq"`
	Device      string          `json:"device"`
	Site        string          `json:"site"`
	Time        time.Time       `json:"time"`
	ClockSynced bool            `json:"clock_synced"`
	Type        string          `json:"type"`
	Data        json.RawMessage `json:"data"`
}

// DecodeEnvelope parses an event payload (as read by subscribers).
func DecodeEnvelope(b []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return Envelope{}, fmt.Errorf("event: %w", err)
	}
	if e.V != SchemaVersion {
		return Envelope{}, fmt.Errorf("event: schema version %d, want %d", e.V, SchemaVersion)
	}
	if e.ID == "" || e.Seq == 0 || e.Device == "" || e.Type == "" {
		return Envelope{}, fmt.Errorf("event: missing id, seq, device or type")
	}
	return e, nil
}

// Access is the data of an "access" event. It never carries an embedding
// or an image.
type Access struct {
	Decision Decision `json:"decision"`
	// PersonID is empty when nobody matched.
	PersonID string `json:"person_id,omitempty"`
	// Similarity is the best cosine similarity.
	Similarity float64 `json:"similarity"`
	// FalseMatchRate is the calibrated probability that a stranger scores
	// at least Similarity.
	FalseMatchRate float64 `json:"false_match_rate"`
	// Reason is free text for denials (e.g. "outside schedule").
	Reason string `json:"reason,omitempty"`
}

// Door is the data of a "door" event; Kind and Fields come from door/.
type Door struct {
	Kind   string         `json:"kind"`
	Fields map[string]any `json:"fields,omitempty"`
}

// Health is the data of a "health" event.
type Health struct {
	Component string         `json:"component"`
	Status    string         `json:"status"` // ok, degraded, failed
	Detail    string         `json:"detail,omitempty"`
	Fields    map[string]any `json:"fields,omitempty"`
}

// CommandResult is the data of a "command_result" event.
type CommandResult struct {
	CommandID string `json:"command_id"`
	Admin     string `json:"admin"`
	Command   string `json:"command"`
	Status    string `json:"status"`
	Detail    string `json:"detail,omitempty"`
}

// CommandRejected is the data of a "command_rejected" event.
type CommandRejected struct {
	CommandID string `json:"command_id,omitempty"`
	Admin     string `json:"admin,omitempty"`
	Reason    string `json:"reason"`
	Detail    string `json:"detail,omitempty"`
	Bytes     int    `json:"bytes"`
}

// OutboxOverflow is the data of an "outbox_overflow" event.
type OutboxOverflow struct {
	Dropped  int    `json:"dropped"`
	FirstSeq uint64 `json:"first_seq"`
	LastSeq  uint64 `json:"last_seq"`
	Capacity int    `json:"capacity"`
}

// OutboxAlarm is the data of an "outbox_alarm" event.
type OutboxAlarm struct {
	Len      int `json:"len"`
	Capacity int `json:"capacity"`
	Percent  int `json:"percent"`
}

// OutboxCorrupt is the data of an "outbox_corrupt" event.
type OutboxCorrupt struct {
	Seq   uint64 `json:"seq"`
	Error string `json:"error"`
}

// Emitter turns events into envelopes and appends them to the outbox. The
// Publisher sends them. It is safe for concurrent use.
type Emitter struct {
	ob          *outbox.Outbox
	site        string
	device      string
	now         func() time.Time
	clockSynced func() bool
}

// NewEmitter returns an Emitter writing to ob. now and clockSynced may be
// nil (time.Now and ClockSynced).
func NewEmitter(ob *outbox.Outbox, site, device string, now func() time.Time, clockSynced func() bool) *Emitter {
	if now == nil {
		now = time.Now
	}
	if clockSynced == nil {
		clockSynced = ClockSynced
	}
	e := &Emitter{ob: ob, site: site, device: device, now: now, clockSynced: clockSynced}
	ob.SetOverflowRecord(func(seq uint64, d outbox.Dropped) ([]byte, error) {
		data, _ := json.Marshal(OutboxOverflow{Dropped: d.N, FirstSeq: d.First, LastSeq: d.Last, Capacity: ob.Capacity()})
		return json.Marshal(e.envelope(seq, TypeOutboxOverflow, data))
	})
	return e
}

func (e *Emitter) envelope(seq uint64, typ string, data json.RawMessage) Envelope {
	now := e.now().UTC()
	return Envelope{
		V: SchemaVersion, ID: NewID(now), Seq: seq, Device: e.device, Site: e.site,
		Time: now.Truncate(time.Millisecond), ClockSynced: e.clockSynced(), Type: typ, Data: data,
	}
}

// Emit durably records one event of type typ with data (marshalled to
// JSON) and returns its envelope. It returns only after the outbox fsync.
func (e *Emitter) Emit(typ string, data any) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("emit %s: marshal: %w", typ, err)
	}
	env, res, err := e.append(typ, raw)
	if err != nil {
		return Envelope{}, err
	}
	if res.Alarm {
		d, _ := json.Marshal(OutboxAlarm{Len: res.Len, Capacity: e.ob.Capacity(), Percent: res.Len * 100 / e.ob.Capacity()})
		if _, _, err := e.append(TypeOutboxAlarm, d); err != nil {
			return env, err
		}
	}
	return env, nil
}

func (e *Emitter) append(typ string, data json.RawMessage) (Envelope, outbox.AppendResult, error) {
	var env Envelope
	res, err := e.ob.Append(func(seq uint64) ([]byte, error) {
		env = e.envelope(seq, typ, data)
		return json.Marshal(env)
	})
	if err != nil {
		return Envelope{}, res, fmt.Errorf("emit %s: %w", typ, err)
	}
	return env, res, nil
}
