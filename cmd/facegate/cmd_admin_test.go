package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/mqtt"
	"github.com/facegate/facegate/mqtt/mqtttest"
	"github.com/facegate/facegate/outbox"
)

// adminTestGallery is a fake gallery for the admin CLI tests.
type adminTestGallery struct {
	mu      sync.Mutex
	persons map[string]gallery.ManifestEntry
	revoked map[string]bool
}

func (g *adminTestGallery) Enroll(_ context.Context, p gallery.Person, _ [][]float32) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.persons[p.ID] = gallery.ManifestEntry{PersonID: p.ID, Version: p.Version}
	delete(g.revoked, p.ID)
	return nil
}

func (g *adminTestGallery) ReplaceTemplates(ctx context.Context, p gallery.Person, ts [][]float32) error {
	return g.Enroll(ctx, p, ts)
}

func (g *adminTestGallery) Revoke(_ context.Context, id string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.revoked[id] = true
	return nil
}

func (g *adminTestGallery) Erase(_ context.Context, id string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.persons, id)
	return nil
}

func (g *adminTestGallery) Manifest() ([]gallery.ManifestEntry, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []gallery.ManifestEntry
	for _, e := range g.persons {
		e.Revoked = g.revoked[e.PersonID]
		out = append(out, e)
	}
	return out, nil
}

func (g *adminTestGallery) state() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var ids []string
	for id := range g.persons {
		if g.revoked[id] {
			id += "(revoked)"
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return strings.Join(ids, " ")
}

// adminTestEmbedder accepts photos starting with "face".
type adminTestEmbedder struct{}

func (adminTestEmbedder) EmbedPhoto(_ context.Context, b []byte) ([]float32, string, error) {
	if !bytes.HasPrefix(b, []byte("face")) {
		return nil, "no face found", nil
	}
	return []float32{1, 2, 3}, "", nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := dispatch(context.Background(), args, &out, &errb)
	t.Logf("facegate %s -> %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	return out.String(), code
}

// TestAdminCLIAgainstDevices drives the admin commands against two running
// devices through a real Mosquitto.
func TestAdminCLIAgainstDevices(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{
		Devices: []mqtt.DeviceIdentity{{Site: "hq", Device: "door-1"}, {Site: "hq", Device: "door-2"}},
		Admins:  []string{"admin"},
	})
	dir := t.TempDir()
	if _, code := runCLI(t, "keys", "gen", "--out", filepath.Join(dir, "alice")); code != 0 {
		t.Fatal("keys gen failed")
	}
	if _, code := runCLI(t, "keys", "gen", "--out", filepath.Join(dir, "alice")); code == 0 {
		t.Fatal("keys gen overwrote an existing key")
	}
	pub, err := os.ReadFile(filepath.Join(dir, "alice.pub"))
	if err != nil {
		t.Fatal(err)
	}
	galleries := map[string]*adminTestGallery{}
	for _, dev := range []string{"door-1", "door-2"} {
		g := &adminTestGallery{persons: map[string]gallery.ManifestEntry{}, revoked: map[string]bool{}}
		galleries[dev] = g
		ddir := filepath.Join(dir, dev)
		os.Mkdir(ddir, 0o700)
		files := b.PKI.Client(t, dev)
		cfg := mqtt.Config{Broker: b.URL, Site: "hq", Device: dev, CAFile: files.CA, CertFile: files.Cert, KeyFile: files.Key,
			AdminKeys: map[string]string{"alice": strings.TrimSpace(string(pub))},
			StatePath: filepath.Join(ddir, "commands.db"), Outbox: mqtt.OutboxConfig{Path: filepath.Join(ddir, "outbox.db")}}
		cfg.SetDefaults()
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		ob, err := outbox.Open(cfg.Outbox.Path, outbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st, err := mqtt.OpenState(cfg.StatePath)
		if err != nil {
			t.Fatal(err)
		}
		d, err := mqtt.NewDevice(cfg, mqtt.DeviceDeps{Outbox: ob, State: st, Gallery: g, Embedder: adminTestEmbedder{},
			MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }() // joined in Cleanup
		t.Cleanup(func() { cancel(); <-done; ob.Close(); st.Close() })
	}
	adm := b.PKI.Client(t, "admin")
	conf := filepath.Join(dir, "facegate.yaml")
	writeFile(t, conf, fmt.Sprintf("broker: %s\nsite: hq\nca_file: %s\ncert_file: %s\nkey_file: %s\nadmin: alice\nadmin_key: %s\ntimeout: 10s\n",
		b.URL, adm.CA, adm.Cert, adm.Key, filepath.Join(dir, "alice.key")))

	// Commands reach a device only once it has subscribed: wait for both
	// devices' retained "online" state, which they publish just before.
	online := make(chan string, 8)
	watcher := b.Connect(t, adm, "state-watcher", true)
	watcher.Subscribe("facegate/v1/hq/+/state", 1, func(_ paho.Client, m paho.Message) {
		if strings.Contains(string(m.Payload()), `"online"`) {
			online <- m.Topic()
		}
	})
	for i := 0; i < 2; i++ {
		select {
		case <-online:
		case <-time.After(20 * time.Second):
			t.Fatal("devices did not come online")
		}
	}
	// Start a persistent event session: events published from now on wait
	// in the broker for the next `events --session t`.
	if out, code := runCLI(t, "events", "--config", conf, "--session", "t", "--idle", "500ms"); code != 0 {
		t.Fatalf("events: %s", out)
	}

	staff := filepath.Join(dir, "staff")
	writeFile(t, filepath.Join(staff, "emp-1", "a.jpg"), "face-a")
	writeFile(t, filepath.Join(staff, "emp-1", "b.jpg"), "blurry")
	writeFile(t, filepath.Join(staff, "emp-1", "name.txt"), "Ada Lovelace\n")
	writeFile(t, filepath.Join(staff, "emp-2", "c.jpg"), "no face here")
	out, code := runCLI(t, "enroll", "--config", conf, "--dir", staff, "--device", "door-1")
	if code != 1 || !strings.Contains(out, "summary: 2 persons, 1 photos accepted, 2 rejected, 1 commands failed or rejected, 0 without ack") {
		t.Fatalf("batch enroll: exit %d, output:\n%s", code, out)
	}
	if !strings.Contains(out, "b.jpg: rejected (no face found)") {
		t.Fatalf("batch enroll output lacks the rejected photo and reason:\n%s", out)
	}
	if got := galleries["door-1"].state(); got != "emp-1" {
		t.Fatalf("door-1 gallery %q, want emp-1", got)
	}

	photo := filepath.Join(dir, "p.jpg")
	writeFile(t, photo, "face-p")
	out, code = runCLI(t, "enroll", "--config", conf, "--person", "emp-3", "--name", "Grace", "--photo", photo, "--site", "hq", "--timeout", "3s")
	if code != 0 || strings.Count(out, "emp-3") != 2 {
		t.Fatalf("site enroll: exit %d, want acks from both devices:\n%s", code, out)
	}

	if out, code = runCLI(t, "revoke", "--config", conf, "--person", "emp-1", "--device", "door-1"); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("revoke: exit %d\n%s", code, out)
	}
	if got := galleries["door-1"].state(); got != "emp-1(revoked) emp-3" {
		t.Fatalf("door-1 gallery %q after revoke", got)
	}
	if _, code = runCLI(t, "erase", "--config", conf, "--person", "emp-3", "--device", "door-1"); code != 0 {
		t.Fatal("erase failed")
	}
	if got := galleries["door-1"].state(); got != "emp-1(revoked)" {
		t.Fatalf("door-1 gallery %q after erase", got)
	}

	// Resync door-2 (holding emp-3) with a site folder of emp-1 and emp-4.
	site := filepath.Join(dir, "site")
	writeFile(t, filepath.Join(site, "emp-1", "a.jpg"), "face-a")
	writeFile(t, filepath.Join(site, "emp-4", "a.jpg"), "face-4")
	out, code = runCLI(t, "resync", "--config", conf, "--dir", site, "--device", "door-2")
	if code != 0 || !strings.Contains(out, "missing or outdated [emp-1 emp-4]; extra [emp-3]") {
		t.Fatalf("resync: exit %d\n%s", code, out)
	}
	if got := galleries["door-2"].state(); got != "emp-1 emp-3(revoked) emp-4" {
		t.Fatalf("door-2 gallery %q after resync, want emp-1 emp-3(revoked) emp-4", got)
	}
	out, code = runCLI(t, "resync", "--config", conf, "--dir", site, "--device", "door-2", "--dry-run")
	if code != 0 || !strings.Contains(out, "missing or outdated []; extra []") {
		t.Fatalf("second resync should find no difference: exit %d\n%s", code, out)
	}

	// Events published since the first `events` run are waiting in its session.
	out, code = runCLI(t, "events", "--config", conf, "--session", "t", "--json", "--idle", "1s")
	if code != 0 || !strings.Contains(out, `"type":"command_result"`) {
		t.Fatalf("events --json: exit %d\n%s", code, out)
	}
	out, code = runCLI(t, "events", "--config", conf, "--device", "door-1", "--idle", "300ms")
	if code != 0 || !strings.HasPrefix(out, "TIME") {
		t.Fatalf("events table: exit %d\n%s", code, out)
	}

	// Errors name what was wrong.
	if _, code = runCLI(t, "enroll", "--config", conf, "--person", "emp-9", "--photo", photo); code != 2 {
		t.Fatalf("enroll without target: exit %d, want 2", code)
	}
	if _, code = runCLI(t, "revoke", "--person", "emp-9", "--device", "door-1"); code != 2 {
		t.Fatalf("revoke without broker: exit %d, want 2", code)
	}
}
