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
	return &Emitter{ob: ob, site: site, device: device, now: now, clockSynced: clockSynced}
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
	// Side effects of the append are events themselves. Each can drop one
	// more record at most, which the next overflow event reports in turn;
	// bound the chain so a tiny capacity cannot loop.
	for i := 0; i < 4 && (res.Dropped > 0 || res.Alarm); i++ {
		r := res
		res = outbox.AppendResult{}
		if r.Dropped > 0 {
			d, _ := json.Marshal(OutboxOverflow{Dropped: r.Dropped, FirstSeq: r.FirstDropped, LastSeq: r.LastDropped, Capacity: e.ob.Capacity()})
			if _, res, err = e.append(TypeOutboxOverflow, d); err != nil {
				return env, err
			}
		}
		if r.Alarm {
			d, _ := json.Marshal(OutboxAlarm{Len: r.Len, Capacity: e.ob.Capacity(), Percent: r.Len * 100 / e.ob.Capacity()})
			var r2 outbox.AppendResult
			if _, r2, err = e.append(TypeOutboxAlarm, d); err != nil {
				return env, err
			}
			res.Dropped += r2.Dropped
			if res.FirstDropped == 0 {
				res.FirstDropped = r2.FirstDropped
			}
			if r2.LastDropped != 0 {
				res.LastDropped = r2.LastDropped
			}
		}
	}
	return env, nil
}

func (e *Emitter) append(typ string, data json.RawMessage) (Envelope, outbox.AppendResult, error) {
	now := e.now().UTC()
	env := Envelope{
		V: SchemaVersion, ID: NewID(now), Device: e.device, Site: e.site,
		Time: now.Truncate(time.Millisecond), ClockSynced: e.clockSynced(), Type: typ, Data: data,
	}
	res, err := e.ob.Append(func(seq uint64) ([]byte, error) {
		env.Seq = seq
		return json.Marshal(env)
	})
	if err != nil {
		return Envelope{}, res, fmt.Errorf("emit %s: %w", typ, err)
	}
	return env, res, nil
}
