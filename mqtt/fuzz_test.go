package mqtt_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"testing"
	"time"

	"github.com/facegate/facegate/mqtt"
)

// fuzzKey is a fixed admin key so seeds stay valid across runs.
var fuzzKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

func fuzzSeeds(f *testing.F) [][]byte {
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	s := &mqtt.Signer{Admin: "alice", Key: fuzzKey, Now: func() time.Time { return now }}
	var out [][]byte
	for _, c := range []struct {
		target, typ string
		args        any
	}{
		{"device:door-1", mqtt.CmdEnroll, enrollArgs("emp-1", "face1", "x")},
		{"site:hq", mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-1"}},
		{"device:door-1", mqtt.CmdErase, mqtt.PersonArgs{PersonID: "emp-1"}},
		{"device:door-1", mqtt.CmdResync, mqtt.ResyncArgs{Manifest: mqtt.SiteManifest{Version: "1", Persons: []mqtt.ManifestEntry{{ID: "a", Version: 1}}}}},
		{"device:door-1", mqtt.CmdSetConfig, mqtt.SetConfigArgs{Key: "k", Value: json.RawMessage("1")}},
	} {
		_, b, err := s.Sign(c.target, c.typ, c.args, time.Hour)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return append(out, []byte(`{}`), []byte(`{"v":1,"key":"alice","body":"","sig":""}`), []byte("\x00"))
}

// FuzzHandle feeds arbitrary cmd payloads through the whole verification
// and apply path: it must never panic, and must never apply anything
// unless the signature verified.
func FuzzHandle(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, false)
	}
	// One device for all inputs: opening databases per input is slow, and
	// state carried between inputs only widens what is explored.
	e := newProcEnv(f, f.TempDir(), admin{name: "alice", pub: fuzzKey.Public().(ed25519.PublicKey)})
	e.now = time.Date(2026, 11, 22, 8, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, payload []byte, site bool) {
		before := e.gallery.Ops()
		topic := e.topics.Cmd
		if site {
			topic = e.topics.SiteCmd
		}
		ack := e.proc.Handle(context.Background(), topic, payload)
		sc, err := mqtt.DecodeSigned(payload)
		verified := err == nil && sc.Verify(fuzzKey.Public().(ed25519.PublicKey))
		if !verified && e.gallery.Ops() != before {
			t.Fatalf("unverified payload changed the gallery: %s", e.gallery.Ops())
		}
		if ack != nil && ack.CommandID == "" {
			t.Fatalf("ack without command id: %+v", ack)
		}
	})
}

func FuzzDecodeCommand(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if sc, err := mqtt.DecodeSigned(s); err == nil {
			f.Add(sc.Body)
			var c mqtt.Command
			json.Unmarshal(sc.Body, &c)
			f.Add([]byte(c.Args))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := mqtt.DecodeCommand(b); err == nil {
			if c.ID == "" || c.Seq == 0 {
				t.Fatalf("accepted command without id or seq: %+v", c)
			}
		}
		if a, err := mqtt.DecodeEnrollArgs(b); err == nil && (len(a.Photos) == 0 || len(a.Photos) > mqtt.MaxPhotos) {
			t.Fatalf("accepted enroll with %d photos", len(a.Photos))
		}
		if a, err := mqtt.DecodePersonArgs(b); err == nil && !mqtt.ValidID(a.PersonID) {
			t.Fatalf("accepted person id %q", a.PersonID)
		}
		mqtt.DecodeResyncArgs(b)
		mqtt.DecodeSetConfigArgs(b)
	})
}

// FuzzStoredAndPeerRecords covers the other decoders of untrusted bytes:
// stored applied-command records, and events and acks read by the CLI.
func FuzzStoredAndPeerRecords(f *testing.F) {
	rec, _ := json.Marshal(mqtt.AppliedRecord{Expires: time.Unix(1, 0), Ack: mqtt.Ack{V: 1, CommandID: "c", Status: "applied"}})
	f.Add(rec)
	f.Add([]byte(`{"v":1,"id":"x","seq":1,"device":"d","site":"s","time":"2026-01-01T00:00:00Z","clock_synced":true,"type":"access","data":{}}`))
	f.Add([]byte(`{"v":1,"command_id":"c","status":"applied","photos":[{"index":0,"status":"accepted"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := mqtt.DecodeAppliedRecord(b); err == nil && r.Ack.CommandID == "" {
			t.Fatal("accepted applied record without command id")
		}
		if e, err := mqtt.DecodeEnvelope(b); err == nil && (e.ID == "" || e.Seq == 0) {
			t.Fatal("accepted event without id or seq")
		}
		if a, err := mqtt.DecodeAck(b); err == nil && a.CommandID == "" {
			t.Fatal("accepted ack without command id")
		}
	})
}
