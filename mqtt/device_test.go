package mqtt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	bolt "go.etcd.io/bbolt"

	"github.com/facegate/facegate/metrics"
	"github.com/facegate/facegate/mqtt"
	"github.com/facegate/facegate/mqtt/mqtttest"
	"github.com/facegate/facegate/outbox"
)

// collector gathers messages from a subscription.
type collector struct {
	mu   sync.Mutex
	msgs []paho.Message
	ch   chan struct{}
}

func newCollector() *collector { return &collector{ch: make(chan struct{}, 1)} }

func (c *collector) handle(_ paho.Client, m paho.Message) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
	select {
	case c.ch <- struct{}{}:
	default:
	}
}

// waitFor waits until pred holds for the collected messages.
func (c *collector) waitFor(t *testing.T, what string, pred func([]paho.Message) bool) []paho.Message {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		msgs := append([]paho.Message(nil), c.msgs...)
		c.mu.Unlock()
		if pred(msgs) {
			return msgs
		}
		select {
		case <-c.ch:
		case <-deadline:
			var b strings.Builder
			for _, m := range msgs {
				fmt.Fprintf(&b, "\n  %s %.200s", m.Topic(), m.Payload())
			}
			t.Fatalf("timed out waiting for %s; have %d messages:%s", what, len(msgs), b.String())
		}
	}
}

type deviceEnv struct {
	broker  *mqtttest.Broker
	admin   paho.Client
	alice   admin
	gallery *fakeGallery
	topics  mqtt.Topics
	events  *collector
	acks    *collector
	state   *collector
	metrics *metrics.Registry
	dev     *mqtt.Device
	// stop cancels the device and waits for Run to return.
	stop func()
}

// startDevice starts a broker, a door-1 Device and an admin client
// subscribed to door-1's events, acks and state.
func startDevice(t *testing.T, prep func(cfg mqtt.Config)) *deviceEnv {
	t.Helper()
	b := mqtttest.Start(t, mqtttest.Options{Devices: []mqtt.DeviceIdentity{{Site: "hq", Device: "door-1"}}, Admins: []string{"admin"}})
	dir := t.TempDir()
	alice := newAdmin(t, "alice", nil)
	cfg := testConfig(t, dir, b.URL, alice)
	files := b.PKI.Client(t, "door-1")
	cfg.CAFile, cfg.CertFile, cfg.KeyFile = files.CA, files.Cert, files.Key
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if prep != nil {
		prep(cfg)
	}
	ob, err := outbox.Open(cfg.Outbox.Path, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := mqtt.OpenState(cfg.StatePath)
	if err != nil {
		t.Fatal(err)
	}
	e := &deviceEnv{broker: b, alice: alice, gallery: newFakeGallery(), topics: cfg.Topics(),
		events: newCollector(), acks: newCollector(), state: newCollector(), metrics: metrics.NewRegistry()}
	e.admin = b.Connect(t, b.PKI.Client(t, "admin"), "admin", true)
	for topic, c := range map[string]*collector{e.topics.Events: e.events, e.topics.Ack: e.acks, e.topics.State: e.state} {
		if tok := e.admin.Subscribe(topic, 1, c.handle); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe %s: %v", topic, tok.Error())
		}
	}
	dev, err := mqtt.NewDevice(cfg, mqtt.DeviceDeps{Outbox: ob, State: st, Gallery: e.gallery, Embedder: fakeEmbedder{},
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, Metrics: e.metrics})
	if err != nil {
		t.Fatal(err)
	}
	e.dev = dev
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- dev.Run(ctx) }() // joined in Cleanup
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			ob.Close()
			st.Close()
		})
	}
	t.Cleanup(e.stop)
	e.state.waitFor(t, "state online", func(ms []paho.Message) bool {
		return len(ms) > 0 && strings.Contains(string(ms[len(ms)-1].Payload()), `"online"`)
	})
	return e
}

func (e *deviceEnv) publish(t *testing.T, topic string, b []byte) {
	t.Helper()
	if tok := e.admin.Publish(topic, 1, false, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
}

func decodeEvents(t *testing.T, ms []paho.Message) []mqtt.Envelope {
	var out []mqtt.Envelope
	for _, m := range ms {
		ev, err := mqtt.DecodeEnvelope(m.Payload())
		if err != nil {
			t.Fatalf("event: %v", err)
		}
		out = append(out, ev)
	}
	return out
}

func decodeAcks(t *testing.T, ms []paho.Message) []mqtt.Ack {
	var out []mqtt.Ack
	for _, m := range ms {
		a, err := mqtt.DecodeAck(m.Payload())
		if err != nil {
			t.Fatalf("ack: %v", err)
		}
		out = append(out, a)
	}
	return out
}

// TestDeviceCommandsOverBroker sends good, forged, expired, replayed and
// oversized commands through a real Mosquitto to a running Device.
func TestDeviceCommandsOverBroker(t *testing.T) {
	e := startDevice(t, nil)
	enroll, enrollB, err := e.alice.Sign("device:door-1", mqtt.CmdEnroll, enrollArgs("emp-1", "face-1", "not a face"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.publish(t, e.topics.Cmd, enrollB)
	e.publish(t, e.topics.Cmd, enrollB) // duplicate delivery

	eve := newAdmin(t, "alice", nil)
	_, forged, _ := eve.Sign("device:door-1", mqtt.CmdErase, mqtt.PersonArgs{PersonID: "emp-1"}, time.Hour)
	_, expired, _ := e.alice.Sign("device:door-1", mqtt.CmdErase, mqtt.PersonArgs{PersonID: "emp-1"}, -time.Minute)
	replayCmd := enroll
	replayCmd.ID = mqtt.NewID(time.Now()) // new id, old sequence
	replay, _ := mqtt.Sign(e.alice.Key, replayCmd)
	oversized := append([]byte(`{"v":1,"pad":"`), make([]byte, mqtt.DefaultMaxCommandBytes)...)
	_, revokeB, _ := e.alice.Sign("site:hq", mqtt.CmdRevoke, mqtt.PersonArgs{PersonID: "emp-1"}, time.Hour)
	for _, b := range [][]byte{forged, expired, replay, oversized} {
		e.publish(t, e.topics.Cmd, b)
	}
	e.publish(t, e.topics.SiteCmd, revokeB)

	acks := decodeAcks(t, e.acks.waitFor(t, "5 acks", func(ms []paho.Message) bool { return len(ms) >= 5 }))
	// Acks: enroll, duplicate enroll, expired, replay, revoke (forged and
	// oversized carry no trusted command id).
	var got []string
	for _, a := range acks {
		s := a.Status
		if a.Reason != "" {
			s += "/" + a.Reason
		}
		if a.Duplicate {
			s += "/duplicate"
		}
		got = append(got, s)
	}
	if strings.Join(got, " ") != "applied applied/duplicate rejected/expired rejected/replay applied" {
		t.Fatalf("acks %q", got)
	}
	if acks[0].CommandID != enroll.ID || acks[1].CommandID != enroll.ID {
		t.Fatalf("enroll acks for %s, %s, want %s", acks[0].CommandID, acks[1].CommandID, enroll.ID)
	}
	if ph := acks[0].Photos; len(ph) != 2 || ph[0].Status != "accepted" || ph[1].Reason != "no face found" {
		t.Fatalf("photo results %+v", ph)
	}
	if ops := e.gallery.Ops(); ops != "enroll emp-1 1 replace=true; revoke emp-1" {
		t.Fatalf("gallery ops %q: the duplicate must apply once and rejected commands never", ops)
	}
	evs := decodeEvents(t, e.events.waitFor(t, "6 events", func(ms []paho.Message) bool { return len(ms) >= 6 }))
	var kinds []string
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) || ev.Device != "door-1" || ev.Site != "hq" {
			t.Fatalf("event %d: seq %d device %s site %s", i, ev.Seq, ev.Device, ev.Site)
		}
		k := ev.Type
		if ev.Type == mqtt.TypeCommandRejected {
			var r mqtt.CommandRejected
			json.Unmarshal(ev.Data, &r)
			k += "/" + r.Reason
		}
		kinds = append(kinds, k)
	}
	want := "command_result command_rejected/bad_signature command_rejected/expired command_rejected/replay command_rejected/oversized command_result"
	if strings.Join(kinds, " ") != want {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(kinds, " "), want)
	}
	var text strings.Builder
	e.metrics.WriteText(&text)
	for _, line := range []string{
		`facegate_mqtt_commands_total{status="applied"} 2`,
		`facegate_mqtt_commands_total{status="duplicate"} 1`,
		`facegate_mqtt_commands_total{status="rejected"} 4`,
		`facegate_mqtt_command_rejections_total{reason="bad_signature"} 1`,
		`facegate_mqtt_connected{connection="door-1"} 1`,
	} {
		if !strings.Contains(text.String(), line+"\n") {
			t.Errorf("metrics lack %q:\n%s", line, text.String())
		}
	}
}

// TestDeviceCorruptRecordAndShutdown: a corrupt outbox record is
// quarantined and reported, the others are published; at shutdown the
// device publishes its retained offline state.
func TestDeviceCorruptRecordAndShutdown(t *testing.T) {
	e := startDevice(t, func(cfg mqtt.Config) {
		ob, err := outbox.Open(cfg.Outbox.Path, outbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		em := mqtt.NewEmitter(ob, cfg.Site, cfg.Device, nil, nil)
		for _, d := range []mqtt.Decision{mqtt.Granted, mqtt.DeniedSpoof, mqtt.LockedOut} {
			if _, err := em.Emit(mqtt.TypeAccess, mqtt.Access{Decision: d, PersonID: "emp-1", Similarity: 0.8, FalseMatchRate: 1e-6}); err != nil {
				t.Fatal(err)
			}
		}
		ob.Close()
		db, err := bolt.Open(cfg.Outbox.Path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		err = db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("records"))
			k := []byte{0, 0, 0, 0, 0, 0, 0, 2}
			v := append([]byte(nil), b.Get(k)...)
			v[len(v)/2] ^= 0x55
			return b.Put(k, v)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	evs := decodeEvents(t, e.events.waitFor(t, "3 events", func(ms []paho.Message) bool { return len(ms) >= 3 }))
	if evs[0].Seq != 1 || evs[1].Seq != 3 || evs[2].Type != mqtt.TypeOutboxCorrupt {
		t.Fatalf("events %+v, want seq 1, seq 3, then outbox_corrupt", evs)
	}
	var c mqtt.OutboxCorrupt
	json.Unmarshal(evs[2].Data, &c)
	if c.Seq != 2 || !strings.Contains(c.Error, "checksum") {
		t.Fatalf("outbox_corrupt data %+v", c)
	}
	var a mqtt.Access
	json.Unmarshal(evs[1].Data, &a)
	if a.Decision != mqtt.LockedOut || a.PersonID != "emp-1" {
		t.Fatalf("access event %+v", a)
	}
	fctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.dev.Flush(fctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if !e.dev.Connected() {
		t.Fatal("Connected() = false while events flow")
	}
	e.stop()
	if e.dev.Connected() {
		t.Fatal("Connected() = true after Run returned")
	}
	e.state.waitFor(t, "state offline", func(ms []paho.Message) bool {
		return len(ms) > 0 && strings.Contains(string(ms[len(ms)-1].Payload()), `"offline"`)
	})
}
