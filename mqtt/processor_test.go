package mqtt_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/mqtt"
	"github.com/facegate/facegate/outbox"
)

// quietLog discards logs (fuzz workers must not flood stderr).
var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

type procEnv struct {
	proc    *mqtt.Processor
	gallery *fakeGallery
	ob      *outbox.Outbox
	state   *mqtt.State
	now     time.Time
	topics  mqtt.Topics
}

func newProcEnv(t testing.TB, dir string, admins ...admin) *procEnv {
	t.Helper()
	cfg := testConfig(t, dir, "ssl://127.0.0.1:1", admins...)
	cfg.CAFile, cfg.CertFile, cfg.KeyFile = "ca.pem", "door-1.pem", "door-1.key" // not opened
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(cfg.Outbox.Path, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	st, err := mqtt.OpenState(cfg.StatePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &procEnv{gallery: newFakeGallery(), ob: ob, state: st, now: time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), topics: cfg.Topics()}
	em := mqtt.NewEmitter(ob, cfg.Site, cfg.Device, func() time.Time { return e.now }, func() bool { return true })
	e.proc, err = mqtt.NewProcessor(&cfg, st, e.gallery, fakeEmbedder{}, nil, em.Emit, func() time.Time { return e.now }, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func enrollArgs(person string, photos ...string) mqtt.EnrollArgs {
	a := mqtt.EnrollArgs{PersonID: person, Name: "Person " + person, Version: 3}
	for _, p := range photos {
		a.Photos = append(a.Photos, []byte(p))
	}
	return a
}

// TestProcessorRejections is the rejected-command matrix: each bad command
// yields a command_rejected event with the reason, nothing is applied, and
// an ack says rejected when the command id was readable.
func TestProcessorRejections(t *testing.T) {
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	alice := newAdmin(t, "alice", clock)
	mallory := newAdmin(t, "mallory", clock)
	// eve signs with her own key but claims to be alice.
	eve := newAdmin(t, "alice", clock)

	sign := func(a admin, target, typ string, args any, ttl time.Duration) []byte {
		_, b, err := a.Sign(target, typ, args, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tamper := func(b []byte) []byte {
		var sc mqtt.SignedCommand
		json.Unmarshal(b, &sc)
		sc.Body = []byte(strings.Replace(string(sc.Body), "emp-1", "emp-9", 1))
		out, _ := json.Marshal(sc)
		return out
	}
	ok := func() []byte {
		return sign(alice, "device:door-1", mqtt.CmdEnroll, enrollArgs("emp-1", "face1"), time.Hour)
	}

	cases := []struct {
		name    string
		topic   string // "" = device cmd topic
		payload func() []byte
		reason  string
		acked   bool
	}{
		{"oversized", "", func() []byte { return make([]byte, mqtt.DefaultMaxCommandBytes+1) }, mqtt.RejectOversized, false},
		{"not json", "", func() []byte { return []byte("{not json") }, mqtt.RejectMalformed, false},
		{"unknown field", "", func() []byte { return []byte(`{"v":1,"key":"alice","body":"e30=","sig":"AA==","x":1}`) }, mqtt.RejectMalformed, false},
		{"unknown key", "", func() []byte {
			return sign(mallory, "device:door-1", mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-1"}, time.Hour)
		}, mqtt.RejectUnknownKey, false},
		{"forged signature", "", func() []byte {
			return sign(eve, "device:door-1", mqtt.CmdErase, mqtt.PersonArgs{PersonID: "emp-1"}, time.Hour)
		}, mqtt.RejectBadSignature, false},
		{"tampered body", "", func() []byte { return tamper(ok()) }, mqtt.RejectBadSignature, false},
		{"other device", "", func() []byte {
			return sign(alice, "device:door-2", mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-1"}, time.Hour)
		}, mqtt.RejectWrongTarget, true},
		{"other site", "site", func() []byte {
			return sign(alice, "site:branch", mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-1"}, time.Hour)
		}, mqtt.RejectWrongTarget, true},
		{"site command on device topic", "", func() []byte {
			return sign(alice, "site:hq", mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-1"}, time.Hour)
		}, mqtt.RejectWrongTarget, true},
		{"expired", "", func() []byte {
			return sign(alice, "device:door-1", mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-1"}, -time.Second)
		}, mqtt.RejectExpired, true},
		{"lifetime too long", "", func() []byte {
			return sign(alice, "device:door-1", mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-1"}, 48*time.Hour)
		}, mqtt.RejectExpired, true},
		{"unknown type", "", func() []byte { return sign(alice, "device:door-1", "reboot", struct{}{}, time.Hour) }, mqtt.RejectUnsupported, true},
		{"set_config unsupported", "", func() []byte {
			return sign(alice, "device:door-1", mqtt.CmdSetConfig, mqtt.SetConfigArgs{Key: "match.threshold", Value: json.RawMessage("0.5")}, time.Hour)
		}, mqtt.RejectUnsupported, true},
		{"six photos", "", func() []byte {
			return sign(alice, "device:door-1", mqtt.CmdEnroll, enrollArgs("emp-1", "face", "face", "face", "face", "face", "face"), time.Hour)
		}, mqtt.RejectMalformed, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newProcEnv(t, t.TempDir(), alice)
			topic := e.topics.Cmd
			if tc.topic == "site" {
				topic = e.topics.SiteCmd
			}
			ack := e.proc.Handle(context.Background(), topic, tc.payload())
			if got := rejectedReasons(t, readEvents(t, e.ob)); len(got) != 1 || got[0] != tc.reason {
				t.Fatalf("rejection events %q, want [%s]", got, tc.reason)
			}
			if ops := e.gallery.Ops(); ops != "" {
				t.Fatalf("gallery changed: %s", ops)
			}
			switch {
			case tc.acked && (ack == nil || ack.Status != mqtt.AckRejected || ack.Reason != tc.reason):
				t.Fatalf("ack = %+v, want rejected/%s", ack, tc.reason)
			case !tc.acked && ack != nil:
				t.Fatalf("ack = %+v for a command whose id is unknown", ack)
			}
		})
	}
}

func TestProcessorReplayAndDuplicate(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	alice := newAdmin(t, "alice", func() time.Time { return now })
	e := newProcEnv(t, dir, alice)
	ctx := context.Background()

	first, b1, _ := alice.Sign("device:door-1", mqtt.CmdEnroll, enrollArgs("emp-1", "face-a", "blurry", "face-bc"), time.Hour)
	_, b2, _ := alice.Sign("site:hq", mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-1"}, time.Hour)

	ack := e.proc.Handle(ctx, e.topics.Cmd, b1)
	if ack == nil || ack.Status != mqtt.AckApplied || len(ack.Photos) != 3 || ack.Photos[1].Status != "rejected" || ack.Photos[1].Reason != "no face found" {
		t.Fatalf("enroll ack = %+v", ack)
	}
	if ack.Photos[0].Status != "accepted" || ack.Photos[2].Status != "accepted" {
		t.Fatalf("photo results = %+v", ack.Photos)
	}
	// Duplicate QoS 1 delivery: acked again, applied once.
	dup := e.proc.Handle(ctx, e.topics.Cmd, b1)
	if dup == nil || !dup.Duplicate || dup.CommandID != first.ID || dup.Status != mqtt.AckApplied {
		t.Fatalf("duplicate ack = %+v", dup)
	}
	if ops := e.gallery.Ops(); ops != "enroll emp-1 2 replace=true" {
		t.Fatalf("gallery ops %q, want one enroll with 2 templates", ops)
	}
	if ack := e.proc.Handle(ctx, e.topics.SiteCmd, b2); ack == nil || ack.Status != mqtt.AckApplied {
		t.Fatalf("site revoke ack = %+v", ack)
	}
	// A command signed earlier (lower seq) arriving late is a replay.
	older := mqtt.Command{V: 1, ID: mqtt.NewID(now), Admin: "alice", Seq: first.Seq, Target: "device:door-1",
		Issued: now, Expires: now.Add(time.Hour), Type: mqtt.CmdErase, Args: json.RawMessage(`{"person_id":"emp-1"}`)}
	b3, _ := mqtt.Sign(alice.Key, older)
	// The same id as the first command with different bytes is a replay too.
	sameID := older
	sameID.ID, sameID.Seq = first.ID, first.Seq+1_000_000_000
	b4, _ := mqtt.Sign(alice.Key, sameID)
	for _, b := range [][]byte{b3, b4} {
		if ack := e.proc.Handle(ctx, e.topics.Cmd, b); ack == nil || ack.Reason != mqtt.RejectReplay {
			t.Fatalf("replay ack = %+v", ack)
		}
	}
	if got := rejectedReasons(t, readEvents(t, e.ob)); strings.Join(got, ",") != "replay,replay" {
		t.Fatalf("rejections %q", got)
	}
	var results int
	for _, ev := range readEvents(t, e.ob) {
		if ev.Type == mqtt.TypeCommandResult {
			results++
		}
	}
	if results != 2 {
		t.Fatalf("%d command_result events, want 2 (enroll, revoke; none for the duplicate)", results)
	}

	// The memory survives a restart.
	e.state.Close()
	st, err := mqtt.OpenState(filepath.Join(dir, "commands.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e.proc.State = st
	if dup := e.proc.Handle(ctx, e.topics.Cmd, b1); dup == nil || !dup.Duplicate {
		t.Fatalf("after restart, duplicate ack = %+v", dup)
	}
	if ops := e.gallery.Ops(); strings.Count(ops, "enroll") != 1 {
		t.Fatalf("enroll applied again after restart: %s", ops)
	}
}

func TestProcessorCommands(t *testing.T) {
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	alice := newAdmin(t, "alice", func() time.Time { return now })
	e := newProcEnv(t, t.TempDir(), alice)
	ctx := context.Background()
	send := func(typ string, args any) *mqtt.Ack {
		t.Helper()
		_, b, err := alice.Sign("device:door-1", typ, args, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return e.proc.Handle(ctx, e.topics.Cmd, b)
	}
	if a := send(mqtt.CmdEnroll, enrollArgs("emp-1", "blurry")); a.Status != mqtt.AckFailed {
		t.Fatalf("enroll with no usable photo: %+v", a)
	}
	send(mqtt.CmdEnroll, enrollArgs("emp-1", "face1"))
	send(mqtt.CmdEnroll, enrollArgs("emp-2", "face2"))
	no := false
	upd := enrollArgs("emp-1", "face3")
	upd.Replace = &no
	if a := send(mqtt.CmdUpdate, upd); a.Status != mqtt.AckApplied {
		t.Fatalf("update: %+v", a)
	}
	if n := len(e.gallery.persons["emp-1"].templates); n != 2 {
		t.Fatalf("after update emp-1 has %d templates, want 2", n)
	}
	send(mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-2"})
	if !e.gallery.persons["emp-2"].revoked {
		t.Fatal("emp-2 not revoked")
	}
	a := send(mqtt.CmdResync, mqtt.ResyncArgs{Manifest: mqtt.SiteManifest{Version: "m1", Persons: []mqtt.ManifestEntry{
		{ID: "emp-1", Version: 3}, {ID: "emp-3", Version: 1},
	}}})
	if strings.Join(a.Missing, ",") != "emp-3" || strings.Join(a.Extra, ",") != "" {
		t.Fatalf("resync missing %v extra %v, want [emp-3] [] (emp-2 is revoked)", a.Missing, a.Extra)
	}
	send(mqtt.CmdErase, mqtt.PersonArgs{PersonID: "emp-2"})
	if _, ok := e.gallery.persons["emp-2"]; ok {
		t.Fatal("emp-2 not erased")
	}
}

func TestDiffManifest(t *testing.T) {
	want := []mqtt.ManifestEntry{{ID: "a", Version: 1}, {ID: "b", Version: 2}, {ID: "c", Version: 1}}
	have := []gallery.ManifestEntry{{PersonID: "a", Version: 1}, {PersonID: "b", Version: 1}, {PersonID: "d", Version: 5},
		{PersonID: "c", Version: 1, Revoked: true}, {PersonID: "e", Version: 1, Revoked: true}}
	m, x := mqtt.DiffManifest(want, have)
	if strings.Join(m, ",") != "b,c" || strings.Join(x, ",") != "d" {
		t.Fatalf("missing %v extra %v, want [b c] (b outdated, c revoked) and [d]", m, x)
	}
}

// The daemon passes the gallery store itself.
var _ mqtt.Gallery = (*gallery.Store)(nil)

// ctxEmbedder fails like a real pipeline does when its context ends.
type ctxEmbedder struct{ fakeEmbedder }

func (e ctxEmbedder) EmbedPhoto(ctx context.Context, b []byte) ([]float32, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	return e.fakeEmbedder.EmbedPhoto(ctx, b)
}

// TestProcessorShutdownMidCommand: a command cut short by shutdown is not
// remembered, so its redelivery after restart is applied, not re-acked.
func TestProcessorShutdownMidCommand(t *testing.T) {
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	alice := newAdmin(t, "alice", func() time.Time { return now })
	e := newProcEnv(t, t.TempDir(), alice)
	e.proc.Embedder = ctxEmbedder{}
	_, b, _ := alice.Sign("device:door-1", mqtt.CmdEnroll, enrollArgs("emp-1", "face"), time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ack := e.proc.Handle(ctx, e.topics.Cmd, b); ack != nil {
		t.Fatalf("interrupted command acked: %+v", ack)
	}
	ack := e.proc.Handle(context.Background(), e.topics.Cmd, b)
	if ack == nil || ack.Duplicate || ack.Status != mqtt.AckApplied {
		t.Fatalf("redelivered command: %+v, want applied (not a duplicate)", ack)
	}
	if ops := e.gallery.Ops(); ops != "enroll emp-1 1 replace=true" {
		t.Fatalf("gallery ops %q", ops)
	}
}
