package mqtt_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/mqtt"
)

// TestProcessorWithGalleryStore runs commands against the real encrypted
// gallery store, as the daemon wires it.
func TestProcessorWithGalleryStore(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	alice := newAdmin(t, "alice", func() time.Time { return now })
	e := newProcEnv(t, dir, alice)
	keyFile := filepath.Join(dir, "gallery.key")
	if err := gallery.CreateKey(keyFile); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := gallery.Open(ctx, gallery.Config{Path: filepath.Join(dir, "gallery.db"), KeyFile: keyFile, Dim: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	e.proc.Gallery = store
	send := func(typ string, args any) *mqtt.Ack {
		t.Helper()
		_, b, err := alice.Sign("device:door-1", typ, args, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return e.proc.Handle(ctx, e.topics.Cmd, b)
	}
	args := enrollArgs("emp-1", "face-a", "face-bb")
	until := now.Add(24 * time.Hour)
	args.ValidUntil = &until
	if a := send(mqtt.CmdEnroll, args); a.Status != mqtt.AckApplied {
		t.Fatalf("enroll: %+v", a)
	}
	p, err := store.Person("emp-1")
	if err != nil || p.Name != "Person emp-1" || p.Version != 3 || !p.ValidUntil.Equal(until) {
		t.Fatalf("stored person %+v, %v", p, err)
	}
	m, _ := store.Manifest()
	if len(m) != 1 || m[0].Templates != 2 {
		t.Fatalf("manifest %+v, want emp-1 with 2 templates", m)
	}
	a := send(mqtt.CmdResync, mqtt.ResyncArgs{Manifest: mqtt.SiteManifest{Version: "1", Persons: []mqtt.ManifestEntry{{ID: "emp-1", Version: 3}}}})
	if len(a.Missing) != 0 || len(a.Extra) != 0 {
		t.Fatalf("resync of an in-sync gallery: %+v", a)
	}
	if a := send(mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-1"}); a.Status != mqtt.AckApplied {
		t.Fatalf("revoke: %+v", a)
	}
	if a := send(mqtt.CmdErase, mqtt.PersonArgs{PersonID: "emp-1"}); a.Status != mqtt.AckApplied {
		t.Fatalf("erase: %+v", a)
	}
	if _, err := store.Person("emp-1"); !errors.Is(err, gallery.ErrNotFound) {
		t.Fatalf("after erase: %v, want ErrNotFound", err)
	}
	// Erasing again (a re-sent command with a new id) is harmless.
	if a := send(mqtt.CmdErase, mqtt.PersonArgs{PersonID: "emp-1"}); a.Status != mqtt.AckApplied {
		t.Fatalf("second erase: %+v", a)
	}
}
