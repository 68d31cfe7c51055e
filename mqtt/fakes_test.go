package mqtt_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/mqtt"
	"github.com/facegate/facegate/outbox"
)

// fakeGallery records what the command handler did.
type fakeGallery struct {
	mu      sync.Mutex
	persons map[string]fakePerson
	ops     []string
}

type fakePerson struct {
	p         gallery.Person
	templates [][]float32
	revoked   bool
}

func newFakeGallery() *fakeGallery { return &fakeGallery{persons: map[string]fakePerson{}} }

func (g *fakeGallery) Enroll(ctx context.Context, p gallery.Person, ts [][]float32) error {
	return g.put(ctx, p, ts, false)
}

func (g *fakeGallery) ReplaceTemplates(ctx context.Context, p gallery.Person, ts [][]float32) error {
	return g.put(ctx, p, ts, true)
}

func (g *fakeGallery) put(_ context.Context, p gallery.Person, ts [][]float32, replace bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ops = append(g.ops, fmt.Sprintf("enroll %s %d replace=%v", p.ID, len(ts), replace))
	old := g.persons[p.ID]
	if !replace {
		ts = append(old.templates, ts...)
	}
	g.persons[p.ID] = fakePerson{p: p, templates: ts}
	return nil
}

func (g *fakeGallery) Revoke(_ context.Context, id string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ops = append(g.ops, "revoke "+id)
	fp := g.persons[id]
	fp.revoked = true
	g.persons[id] = fp
	return nil
}

func (g *fakeGallery) Erase(_ context.Context, id string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ops = append(g.ops, "erase "+id)
	delete(g.persons, id)
	return nil
}

func (g *fakeGallery) Manifest() ([]gallery.ManifestEntry, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var m []gallery.ManifestEntry
	for id, p := range g.persons {
		m = append(m, gallery.ManifestEntry{PersonID: id, Version: p.p.Version, Revoked: p.revoked, Templates: len(p.templates)})
	}
	sort.Slice(m, func(i, j int) bool { return m[i].PersonID < m[j].PersonID })
	return m, nil
}

func (g *fakeGallery) Ops() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.ops, "; ")
}

// fakeEmbedder accepts photos whose bytes start with "face" and rejects
// others with "no face found".
type fakeEmbedder struct{}

func (fakeEmbedder) EmbedPhoto(_ context.Context, jpeg []byte) ([]float32, string, error) {
	if !strings.HasPrefix(string(jpeg), "face") {
		return nil, "no face found", nil
	}
	return []float32{float32(len(jpeg)), 1, 2}, "", nil
}

// admin is a test admin key.
type admin struct {
	name string
	pub  ed25519.PublicKey
	*mqtt.Signer
}

func newAdmin(t testing.TB, name string, now func() time.Time) admin {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return admin{name: name, pub: pub, Signer: &mqtt.Signer{Admin: name, Key: priv, Now: now}}
}

func (a admin) pubB64() string { return base64.StdEncoding.EncodeToString(a.pub) }

// testConfig returns a validated device config for door-1 in site hq.
func testConfig(t testing.TB, dir, broker string, admins ...admin) mqtt.Config {
	cfg := mqtt.Config{
		Broker: broker, Site: "hq", Device: "door-1",
		AdminKeys: map[string]string{},
		StatePath: filepath.Join(dir, "commands.db"),
		Outbox:    mqtt.OutboxConfig{Path: filepath.Join(dir, "outbox.db")},
	}
	for _, a := range admins {
		cfg.AdminKeys[a.name] = a.pubB64()
	}
	return cfg
}

// readEvents returns the queued events of ob.
func readEvents(t testing.TB, ob *outbox.Outbox) []mqtt.Envelope {
	t.Helper()
	recs, err := ob.Next(0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var out []mqtt.Envelope
	for _, r := range recs {
		e, err := mqtt.DecodeEnvelope(r.Payload)
		if err != nil {
			t.Fatalf("outbox record %d: %v", r.Seq, err)
		}
		out = append(out, e)
	}
	return out
}

func rejectedReasons(t testing.TB, evs []mqtt.Envelope) []string {
	var out []string
	for _, e := range evs {
		if e.Type == mqtt.TypeCommandRejected {
			var r mqtt.CommandRejected
			if err := json.Unmarshal(e.Data, &r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r.Reason)
		}
	}
	return out
}
