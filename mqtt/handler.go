package mqtt

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/facegate/facegate/gallery"
)

// Gallery is what the command handler needs from the device's template
// store; *gallery.Store implements it.
type Gallery interface {
	// Enroll adds templates to person p (creating it); ReplaceTemplates
	// replaces them. Both update the metadata and re-enable a revoked person.
	Enroll(ctx context.Context, p gallery.Person, templates [][]float32) error
	ReplaceTemplates(ctx context.Context, p gallery.Person, templates [][]float32) error
	// Revoke disables a person; Erase deletes it and compacts the store.
	Revoke(ctx context.Context, personID string) error
	Erase(ctx context.Context, personID string) error
	// Manifest lists the stored persons with their versions.
	Manifest() ([]gallery.ManifestEntry, error)
}

// degradable is implemented by a gallery that can be degraded (quarantined
// and recreated empty) until a resync: *gallery.Store. A resync that finds
// nothing missing clears the state.
type degradable interface {
	Degraded() (reason string, degraded bool)
	ClearDegraded(ctx context.Context) error
}

// Embedder turns one enrollment photo into an embedding with the device's
// own detector, quality gate and embedder. rejectReason is non-empty (and
// embedding nil) when the photo is unusable ("no face found", "too
// blurry"); err is for failures of the device itself.
type Embedder interface {
	EmbedPhoto(ctx context.Context, jpeg []byte) (embedding []float32, rejectReason string, err error)
}

// ConfigSetter applies a set_config command. It returns an error wrapping
// ErrUnsupportedKey for keys the daemon does not allow to change remotely.
type ConfigSetter interface {
	SetConfig(key string, value json.RawMessage) error
}

// ErrUnsupportedKey is wrapped by ConfigSetter for keys it refuses.
var ErrUnsupportedKey = errors.New("config key cannot be set remotely")

// Rejection reasons (docs/mqtt.md, "command_rejected").
const (
	RejectOversized    = "oversized"
	RejectMalformed    = "malformed"
	RejectUnknownKey   = "unknown_key"
	RejectBadSignature = "bad_signature"
	RejectWrongTarget  = "wrong_target"
	RejectExpired      = "expired"
	RejectReplay       = "replay"
	RejectUnsupported  = "unsupported"
)

// EmitFunc records an event (Emitter.Emit).
type EmitFunc func(typ string, data any) (Envelope, error)

// Processor verifies and applies admin commands. It is not safe for
// concurrent use: the Device calls it from one goroutine, in arrival order.
type Processor struct {
	Site, Device string
	Topics       Topics
	// Keys are the trusted admin public keys by name.
	Keys     map[string]ed25519.PublicKey
	MaxBytes int
	MaxTTL   time.Duration
	State    *State
	Gallery  Gallery
	Embedder Embedder
	// Config may be nil: set_config is then unsupported.
	Config ConfigSetter
	Emit   EmitFunc
	Now    func() time.Time
	Log    *slog.Logger

	metrics *deviceMetrics
}

// NewProcessor builds a Processor from a validated Config.
func NewProcessor(cfg *Config, st *State, g Gallery, e Embedder, cs ConfigSetter, emit EmitFunc, now func() time.Time, log *slog.Logger) (*Processor, error) {
	keys := make(map[string]ed25519.PublicKey, len(cfg.AdminKeys))
	for n, s := range cfg.AdminKeys {
		k, err := ParsePublicKey(s)
		if err != nil {
			return nil, fmt.Errorf("mqtt.admin_keys.%s: %w", n, err)
		}
		keys[n] = k
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Processor{
		Site: cfg.Site, Device: cfg.Device, Topics: cfg.Topics(), Keys: keys,
		MaxBytes: cfg.MaxCommandBytes, MaxTTL: cfg.MaxCommandTTL, State: st,
		Gallery: g, Embedder: e, Config: cs, Emit: emit, Now: now, Log: log,
	}, nil
}

// Handle processes one message from a cmd topic and returns the ack to
// publish, or nil when the command id could not be read or ctx ended while
// applying it. Every rejection is
// also recorded as a command_rejected event, every applied or failed
// command as a command_result event.
func (p *Processor) Handle(ctx context.Context, topic string, payload []byte) *Ack {
	reject := func(c *Command, reason, format string, a ...any) *Ack {
		ev := CommandRejected{Reason: reason, Detail: fmt.Sprintf(format, a...), Bytes: len(payload)}
		if c != nil {
			ev.CommandID, ev.Admin = c.ID, c.Admin
		}
		p.metrics.command(AckRejected, reason)
		p.Log.Warn("command rejected", "reason", reason, "detail", ev.Detail, "command_id", ev.CommandID, "admin", ev.Admin)
		p.emit(TypeCommandRejected, ev)
		if c == nil || c.ID == "" {
			return nil
		}
		return &Ack{V: SchemaVersion, CommandID: c.ID, Device: p.Device, Time: p.Now().UTC(), Command: c.Type,
			Status: AckRejected, Reason: reason, Detail: ev.Detail}
	}

	if len(payload) > p.MaxBytes {
		return reject(nil, RejectOversized, "%d bytes, limit %d (mqtt.max_command_bytes)", len(payload), p.MaxBytes)
	}
	sc, err := DecodeSigned(payload)
	if err != nil {
		return reject(nil, RejectMalformed, "%v", err)
	}
	pub, ok := p.Keys[sc.Key]
	if !ok {
		return reject(&Command{Admin: sc.Key}, RejectUnknownKey, "key %q is not in mqtt.admin_keys", sc.Key)
	}
	if !sc.Verify(pub) {
		return reject(&Command{Admin: sc.Key}, RejectBadSignature, "Ed25519 signature does not verify with key %q", sc.Key)
	}
	cmd, err := DecodeCommand(sc.Body)
	if err != nil {
		return reject(&Command{Admin: sc.Key}, RejectMalformed, "%v", err)
	}
	if cmd.Admin != sc.Key {
		return reject(&cmd, RejectMalformed, "body admin %q differs from envelope key %q", cmd.Admin, sc.Key)
	}
	kind, id, _ := ParseTarget(cmd.Target)
	switch {
	case kind == "device" && (id != p.Device || topic != p.Topics.Cmd):
		return reject(&cmd, RejectWrongTarget, "target %s on topic %s; this is device %s (topic %s)", cmd.Target, topic, p.Device, p.Topics.Cmd)
	case kind == "site" && (id != p.Site || topic != p.Topics.SiteCmd):
		return reject(&cmd, RejectWrongTarget, "target %s on topic %s; this device is in site %s (topic %s)", cmd.Target, topic, p.Site, p.Topics.SiteCmd)
	}
	hash := bodyHash(sc.Body)
	if rec, err := p.State.Applied(cmd.ID); err == nil {
		if rec.BodyHash != hash {
			return reject(&cmd, RejectReplay, "command id %s was already used for a different command", cmd.ID)
		}
		ack := rec.Ack
		ack.Duplicate = true
		ack.Time = p.Now().UTC()
		p.metrics.command("duplicate", "")
		p.Log.Info("duplicate command acked again", "command_id", cmd.ID)
		return &ack
	} else if !errors.Is(err, ErrNotApplied) {
		// An unreadable state record must not let a replay through.
		return reject(&cmd, RejectReplay, "cannot check command id: %v", err)
	}
	now := p.Now()
	if !now.Before(cmd.Expires) {
		return reject(&cmd, RejectExpired, "expired at %s, device time %s", cmd.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if ttl := cmd.Expires.Sub(cmd.Issued); ttl > p.MaxTTL {
		return reject(&cmd, RejectExpired, "lifetime %v exceeds mqtt.max_command_ttl %v", ttl, p.MaxTTL)
	}
	last, err := p.State.LastSeq(cmd.Admin)
	if err != nil {
		return reject(&cmd, RejectReplay, "cannot check sequence: %v", err)
	}
	if cmd.Seq <= last {
		return reject(&cmd, RejectReplay, "sequence %d of admin %s is not above the last accepted %d", cmd.Seq, cmd.Admin, last)
	}

	ack := p.apply(ctx, cmd)
	if ctx.Err() != nil {
		// Interrupted by shutdown: neither recorded nor acked, so the
		// broker redelivers it to the persistent session next time.
		p.Log.Warn("command interrupted by shutdown; it will be redelivered", "command_id", cmd.ID)
		return nil
	}
	if ack.Status == AckRejected {
		// Unsupported or malformed args: reported as a rejection, and the
		// sequence is not consumed.
		return reject(&cmd, ack.Reason, "%s", ack.Detail)
	}
	if err := p.State.Record(cmd.Admin, cmd.Seq, cmd.ID, AppliedRecord{BodyHash: hash, Expires: cmd.Expires, Ack: ack}); err != nil {
		p.Log.Error("cannot record applied command; a redelivery will apply it again", "command_id", cmd.ID, "err", err)
	}
	p.metrics.command(ack.Status, "")
	p.emit(TypeCommandResult, CommandResult{CommandID: cmd.ID, Admin: cmd.Admin, Command: cmd.Type, Status: ack.Status, Detail: ack.Detail})
	return &ack
}

func (p *Processor) emit(typ string, data any) {
	if p.Emit == nil {
		return
	}
	if _, err := p.Emit(typ, data); err != nil {
		p.Log.Error("cannot record event", "type", typ, "err", err)
	}
}

func (p *Processor) apply(ctx context.Context, cmd Command) Ack {
	ack := Ack{V: SchemaVersion, CommandID: cmd.ID, Device: p.Device, Time: p.Now().UTC(), Command: cmd.Type, Status: AckApplied}
	fail := func(format string, a ...any) Ack {
		ack.Status, ack.Detail = AckFailed, fmt.Sprintf(format, a...)
		return ack
	}
	malformed := func(err error) Ack {
		ack.Status, ack.Reason, ack.Detail = AckRejected, RejectMalformed, err.Error()
		return ack
	}
	switch cmd.Type {
	case CmdEnroll, CmdUpdate:
		a, err := DecodeEnrollArgs(cmd.Args)
		if err != nil {
			return malformed(err)
		}
		replace := cmd.Type == CmdEnroll
		if a.Replace != nil {
			replace = *a.Replace
		}
		var templates [][]float32
		for i, photo := range a.Photos {
			emb, reason, err := p.Embedder.EmbedPhoto(ctx, photo)
			switch {
			case err != nil:
				reason = "device error: " + err.Error()
			case reason == "" && len(emb) == 0:
				reason = "no embedding produced"
			}
			if reason != "" {
				ack.Photos = append(ack.Photos, PhotoResult{Index: i, Status: "rejected", Reason: reason})
				continue
			}
			templates = append(templates, emb)
			ack.Photos = append(ack.Photos, PhotoResult{Index: i, Status: "accepted"})
		}
		if len(templates) == 0 {
			return fail("none of %d photos accepted; nothing stored", len(a.Photos))
		}
		person := gallery.Person{ID: a.PersonID, Name: a.Name, Version: a.Version}
		if a.ValidFrom != nil {
			person.ValidFrom = *a.ValidFrom
		}
		if a.ValidUntil != nil {
			person.ValidUntil = *a.ValidUntil
		}
		store := p.Gallery.Enroll
		if replace {
			store = p.Gallery.ReplaceTemplates
		}
		if err := store(ctx, person, templates); err != nil {
			return fail("store %s: %v", a.PersonID, err)
		}
		ack.Detail = fmt.Sprintf("%d of %d photos accepted", len(templates), len(a.Photos))
	case CmdRevoke, CmdErase:
		a, err := DecodePersonArgs(cmd.Args)
		if err != nil {
			return malformed(err)
		}
		op := p.Gallery.Revoke
		if cmd.Type == CmdErase {
			op = p.Gallery.Erase
		}
		if err := op(ctx, a.PersonID); errors.Is(err, gallery.ErrNotFound) {
			// Idempotent: the person is already gone (or never came).
			ack.Detail = a.PersonID + " is not enrolled; nothing to do"
		} else if err != nil {
			return fail("%s %s: %v", cmd.Type, a.PersonID, err)
		}
	case CmdResync:
		a, err := DecodeResyncArgs(cmd.Args)
		if err != nil {
			return malformed(err)
		}
		have, err := p.Gallery.Manifest()
		if err != nil {
			return fail("read gallery manifest: %v", err)
		}
		ack.Missing, ack.Extra = DiffManifest(a.Manifest.Persons, have)
		ack.Detail = fmt.Sprintf("manifest %s: %d missing or outdated, %d extra", a.Manifest.Version, len(ack.Missing), len(ack.Extra))
		if d, ok := p.Gallery.(degradable); ok && len(ack.Missing) == 0 {
			if reason, degraded := d.Degraded(); degraded {
				if err := d.ClearDegraded(ctx); err != nil {
					return fail("gallery in sync but cannot clear degraded state (%s): %v", reason, err)
				}
				ack.Detail += "; gallery was degraded (" + reason + "), now cleared"
			}
		}
	case CmdSetConfig:
		a, err := DecodeSetConfigArgs(cmd.Args)
		if err != nil {
			return malformed(err)
		}
		if p.Config == nil {
			ack.Status, ack.Reason, ack.Detail = AckRejected, RejectUnsupported, "this device accepts no set_config"
			return ack
		}
		if err := p.Config.SetConfig(a.Key, a.Value); err != nil {
			if errors.Is(err, ErrUnsupportedKey) {
				ack.Status, ack.Reason, ack.Detail = AckRejected, RejectUnsupported, err.Error()
				return ack
			}
			return fail("set %s: %v", a.Key, err)
		}
		ack.Detail = "set " + a.Key
	default:
		ack.Status, ack.Reason, ack.Detail = AckRejected, RejectUnsupported, fmt.Sprintf("unknown command type %q", cmd.Type)
	}
	return ack
}

// DiffManifest compares the admin's manifest (want) with the device's
// gallery (have): missing lists persons absent on the device, revoked there
// or with another version; extra lists active persons the device holds
// that want does not.
func DiffManifest(want []ManifestEntry, have []gallery.ManifestEntry) (missing, extra []string) {
	h := make(map[string]uint64, len(have))
	for _, e := range have {
		if !e.Revoked {
			h[e.PersonID] = e.Version
		}
	}
	w := make(map[string]bool, len(want))
	for _, e := range want {
		w[e.ID] = true
		if v, ok := h[e.ID]; !ok || v != e.Version {
			missing = append(missing, e.ID)
		}
	}
	for _, e := range have {
		if !e.Revoked && !w[e.PersonID] {
			extra = append(extra, e.PersonID)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}
