package mqtt_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/facegate/facegate/mqtt"
	"github.com/facegate/facegate/mqtt/mqtttest"
	"github.com/facegate/facegate/outbox"
)

func TestNewIDIsUUIDv7(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	now := time.Date(2026, 11, 22, 8, 0, 0, 123e6, time.UTC)
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := mqtt.NewID(now)
		if !re.MatchString(id) {
			t.Fatalf("%q is not a UUIDv7", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
		if ms := fmt.Sprintf("%012x", now.UnixMilli()); strings.ReplaceAll(id, "-", "")[:12] != ms {
			t.Fatalf("id %s does not start with the time %s", id, ms)
		}
	}
}

func TestConfigValidateNamesFields(t *testing.T) {
	cfg := mqtt.Config{Broker: "tcp://x:1883", Site: "h q", Device: "all", AdminKeys: map[string]string{"alice": "bm90IGEga2V5"},
		Outbox: mqtt.OutboxConfig{FullPolicy: "keep"}}
	cfg.SetDefaults()
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate accepted a bad config")
	}
	for _, want := range []string{"mqtt.broker:", "mqtt.site:", "mqtt.device:", "mqtt.ca_file:", "mqtt.admin_keys.alice:",
		"mqtt.state_path:", "mqtt.outbox.path:", `mqtt.outbox.full_policy: "keep"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	good := testConfig(t, t.TempDir(), "ssl://broker:8883", newAdmin(t, "alice", nil))
	good.CAFile, good.CertFile, good.KeyFile = "a", "b", "c"
	good.SetDefaults()
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	if good.MaxCommandBytes != 2<<20 || good.Outbox.Capacity != 100000 || good.Outbox.AlarmPercent != 80 {
		t.Fatalf("defaults: %+v", good)
	}
}

func TestEmitterOverflowAndAlarm(t *testing.T) {
	ob, err := outbox.Open(filepath.Join(t.TempDir(), "o.db"), outbox.Options{Capacity: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	em := mqtt.NewEmitter(ob, "hq", "door-1", nil, func() bool { return false })
	for i := 0; i < 12; i++ {
		if _, err := em.Emit(mqtt.TypeAccess, mqtt.Access{Decision: mqtt.DeniedUnknown, Similarity: 0.2}); err != nil {
			t.Fatal(err)
		}
	}
	var types []string
	for _, e := range readEvents(t, ob) {
		types = append(types, e.Type)
		if e.ClockSynced {
			t.Fatal("clock_synced should be false")
		}
		if e.Type == mqtt.TypeOutboxOverflow {
			var o mqtt.OutboxOverflow
			json.Unmarshal(e.Data, &o)
			if o.Dropped < 1 || o.Capacity != 10 {
				t.Fatalf("overflow event %+v", o)
			}
		}
	}
	// 12 access events + 1 alarm (at 8 of 10) into capacity 10: drops of
	// 1 record plus 1 slot for each overflow notice.
	got := strings.Join(types, " ")
	if len(types) != 10 || strings.Count(got, mqtt.TypeOutboxOverflow) < 1 || strings.Count(got, mqtt.TypeAccess) < 5 {
		t.Fatalf("queued events %q: want 10, mostly access events with overflow notices", got)
	}
}

type fakeSetter map[string]json.RawMessage

func (f fakeSetter) SetConfig(k string, v json.RawMessage) error {
	if k != "match.threshold" {
		return fmt.Errorf("%q: %w", k, mqtt.ErrUnsupportedKey)
	}
	f[k] = v
	return nil
}

func TestSetConfig(t *testing.T) {
	alice := newAdmin(t, "alice", nil)
	e := newProcEnv(t, t.TempDir(), alice)
	e.now = time.Now()
	set := fakeSetter{}
	e.proc.Config = set
	for _, c := range []struct {
		key, status string
	}{{"match.threshold", mqtt.AckApplied}, {"door.relay.pin", mqtt.AckRejected}} {
		_, b, _ := alice.Sign("device:door-1", mqtt.CmdSetConfig, mqtt.SetConfigArgs{Key: c.key, Value: json.RawMessage("0.4")}, time.Hour)
		if a := e.proc.Handle(context.Background(), e.topics.Cmd, b); a == nil || a.Status != c.status {
			t.Fatalf("set %s: ack %+v, want %s", c.key, a, c.status)
		}
	}
	if string(set["match.threshold"]) != "0.4" || len(set) != 1 {
		t.Fatalf("setter got %v", set)
	}
}

// TestTLSUnsyncedClock: a Pi that booted at 1970 gets an error that says
// its clock is not synchronised, for its own and for the broker's
// certificate, and a synchronised clock gets a plain validity error.
func TestTLSUnsyncedClock(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{Devices: []mqtt.DeviceIdentity{{Site: "hq", Device: "door-1"}}})
	boot := func() time.Time { return time.Unix(12, 0) }
	files := b.PKI.Client(t, "door-1")
	_, err := mqtt.NewTLSConfig(files, boot, func() bool { return false })
	if !errors.Is(err, mqtt.ErrClockUnsynced) || !strings.Contains(err.Error(), "1970-01-01T00:00:12Z") {
		t.Fatalf("client cert at 1970, unsynced: %v", err)
	}
	if _, err := mqtt.NewTLSConfig(files, boot, func() bool { return true }); err == nil || errors.Is(err, mqtt.ErrClockUnsynced) {
		t.Fatalf("client cert at 1970, synced: %v", err)
	}
	// A client certificate valid since 1969 gets past the local check; the
	// broker's certificate is then not yet valid.
	cert, key := b.PKI.Issue(t, "door-1", mqtttest.CertOptions{NotBefore: time.Unix(-3600, 0)})
	cfg, err := mqtt.NewTLSConfig(mqtt.TLSFiles{CA: b.PKI.CAFile, Cert: cert, Key: key}, boot, func() bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	c := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL).SetClientID("door-1").SetTLSConfig(cfg).SetConnectTimeout(5 * time.Second))
	tok := c.Connect()
	tok.WaitTimeout(10 * time.Second)
	if err := tok.Error(); err == nil || !strings.Contains(err.Error(), "not synchronised") || !strings.Contains(err.Error(), "broker certificate") {
		t.Fatalf("connect with broker cert not yet valid: %v", err)
	}
	// The pinned CA: a broker certificate from another CA is refused.
	other := mqtttest.NewPKI(t, t.TempDir())
	cfg, err = mqtt.NewTLSConfig(mqtt.TLSFiles{CA: other.CAFile, Cert: files.Cert, Key: files.Key}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c = paho.NewClient(paho.NewClientOptions().AddBroker(b.URL).SetClientID("door-1").SetTLSConfig(cfg).SetConnectTimeout(5 * time.Second))
	tok = c.Connect()
	tok.WaitTimeout(10 * time.Second)
	if err := tok.Error(); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("connect to a broker outside the pinned CA: %v", err)
	}
}

func TestSignerNeverPrintsKey(t *testing.T) {
	a := newAdmin(t, "alice", nil)
	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "signer", a.Signer)
	fmt.Fprintf(&buf, " %v %s %+v", a.Signer, a.Signer, a.Signer)
	k := base64.StdEncoding.EncodeToString(a.Key)
	if strings.Contains(buf.String(), k) || strings.Contains(buf.String(), fmt.Sprint([]byte(a.Key))) || !strings.Contains(buf.String(), "redacted") {
		t.Fatalf("key leaked or not redacted: %s", buf.String())
	}
}

func FuzzParsePublicKey(f *testing.F) {
	a := newAdmin(f, "alice", nil)
	f.Add(a.pubB64())
	f.Add("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := mqtt.ParsePublicKey(s); err == nil && len(k) != 32 {
			t.Fatalf("accepted a %d-byte key", len(k))
		}
	})
}
